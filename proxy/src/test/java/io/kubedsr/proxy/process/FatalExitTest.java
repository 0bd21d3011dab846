package io.kubedsr.proxy.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

class FatalExitTest {
    private final List<Integer> exits = new ArrayList<>();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final FatalExit fatal = new FatalExit(exits::add, new PrintStream(err, true, StandardCharsets.UTF_8));

    @Test
    void printsOneLineNamingWhatAndTheCauseAndExitsWithStatusOneOnce() {
        fatal.exit("could not start", new CompletionException(new IllegalStateException("listing Services failed: Connection refused")));
        fatal.exit("the agent failed", new IllegalStateException("later"));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("kube-dsr: fatal: could not start: listing Services failed: Connection refused\n");
        assertThat(exits).containsExactly(1);
    }

    @Test
    void aCauseWithoutMessageIsNamedByItsClass() {
        fatal.exit("the agent failed", new StackOverflowError());
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("kube-dsr: fatal: the agent failed: java.lang.StackOverflowError\n");
    }
}
