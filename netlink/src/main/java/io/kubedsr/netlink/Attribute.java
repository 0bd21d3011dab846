package io.kubedsr.netlink;

/** One attribute found by {@link Attributes}: its type (flag bits removed) and where its payload lies. */
public record Attribute(int type, boolean nested, byte[] source, int offset, int length) {
    @Override
    public String toString() {
        return "attr(" + type + (nested ? ", nested" : "") + ", " + length + " bytes)";
    }
}
