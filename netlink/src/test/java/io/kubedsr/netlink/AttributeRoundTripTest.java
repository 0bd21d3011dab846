package io.kubedsr.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Property: whatever the writer writes, the reader reads back the same typed values, nests included. */
class AttributeRoundTripTest {

    private sealed interface Value {
    }

    private record U8(int type, int v) implements Value {
    }

    private record U16(int type, int v, boolean be) implements Value {
    }

    private record U32(int type, long v, boolean be) implements Value {
    }

    private record U64(int type, long v) implements Value {
    }

    private record Str(int type, String v) implements Value {
    }

    private record Addr(int type, InetAddress v) implements Value {
    }

    private record Flag(int type) implements Value {
    }

    private record Nest(int type, List<Value> children) implements Value {
    }

    private static Value random(Random r, int type, int depth) throws Exception {
        int kind = r.nextInt(depth < 3 ? 8 : 7);
        return switch (kind) {
            case 0 -> new U8(type, r.nextInt(256));
            case 1 -> new U16(type, r.nextInt(65536), r.nextBoolean());
            case 2 -> new U32(type, r.nextLong() & 0xFFFFFFFFL, r.nextBoolean());
            case 3 -> new U64(type, r.nextLong());
            case 4 -> {
                StringBuilder sb = new StringBuilder();
                int n = r.nextInt(20);
                for (int i = 0; i < n; i++) {
                    sb.append((char) ('a' + r.nextInt(26)));
                }
                yield new Str(type, sb.toString());
            }
            case 5 -> {
                byte[] raw = new byte[r.nextBoolean() ? 4 : 16];
                r.nextBytes(raw);
                yield new Addr(type, InetAddress.getByAddress(raw));
            }
            case 6 -> new Flag(type);
            default -> {
                List<Value> children = new ArrayList<>();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    children.add(random(r, i + 1, depth + 1));
                }
                yield new Nest(type, children);
            }
        };
    }

    private static void write(AttributeWriter w, Value v) {
        if (v instanceof U8 x) {
            w.u8(x.type(), x.v());
        } else if (v instanceof U16 x) {
            if (x.be()) {
                w.u16Be(x.type(), x.v());
            } else {
                w.u16(x.type(), x.v());
            }
        } else if (v instanceof U32 x) {
            if (x.be()) {
                w.u32Be(x.type(), (int) x.v());
            } else {
                w.u32(x.type(), x.v());
            }
        } else if (v instanceof U64 x) {
            w.u64(x.type(), x.v());
        } else if (v instanceof Str x) {
            w.string(x.type(), x.v());
        } else if (v instanceof Addr x) {
            w.address(x.type(), x.v());
        } else if (v instanceof Flag x) {
            w.flag(x.type());
        } else if (v instanceof Nest x) {
            int token = w.beginNested(x.type());
            for (Value c : x.children()) {
                write(w, c);
            }
            w.endNested(token);
        }
    }

    private static void check(Attributes a, Value v) {
        if (v instanceof U8 x) {
            assertThat(a.u8(x.type())).isEqualTo(x.v());
        } else if (v instanceof U16 x) {
            assertThat(x.be() ? a.u16Be(x.type()) : a.u16(x.type())).isEqualTo(x.v());
        } else if (v instanceof U32 x) {
            assertThat(x.be() ? a.u32Be(x.type()) : a.u32(x.type())).isEqualTo(x.v());
        } else if (v instanceof U64 x) {
            assertThat(a.u64(x.type())).isEqualTo(x.v());
        } else if (v instanceof Str x) {
            assertThat(a.string(x.type())).isEqualTo(x.v());
        } else if (v instanceof Addr x) {
            assertThat(a.address(x.type())).isEqualTo(x.v());
        } else if (v instanceof Flag x) {
            assertThat(a.has(x.type())).isTrue();
        } else if (v instanceof Nest x) {
            assertThat(a.find(x.type()).nested()).isTrue();
            Attributes inner = a.nested(x.type());
            assertThat(inner.all()).hasSize(x.children().size());
            for (Value c : x.children()) {
                check(inner, c);
            }
        }
    }

    @Test
    void everyWrittenValueReadsBackEqual() throws Exception {
        Random r = new Random(20261127L);
        for (int round = 0; round < 5000; round++) {
            AttributeWriter w = new AttributeWriter(8);
            List<Value> values = new ArrayList<>();
            int n = 1 + r.nextInt(8);
            for (int i = 0; i < n; i++) {
                Value v = random(r, i + 1, 0); // distinct types so find() is unambiguous
                values.add(v);
                write(w, v);
            }
            byte[] bytes = w.toByteArray();
            assertThat(bytes.length % 4).as("attributes stay 4-byte aligned").isZero();
            Attributes a = Attributes.parse(bytes);
            assertThat(a.all()).hasSize(values.size());
            for (Value v : values) {
                check(a, v);
            }
        }
    }
}
