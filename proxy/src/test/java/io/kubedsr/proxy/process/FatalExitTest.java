package io.kubedsr.proxy.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

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

    @Test
    void theCausesBeneathThatSaySomethingNewFollowOnTheSameLine() {
        Exception timedOut = new RuntimeException("An error has occurred.", new TimeoutException("The timeout period of 10000ms has been exceeded"));
        fatal.exit("could not start", new CompletionException(new IllegalStateException("listing Nodes failed: An error has occurred.", timedOut)));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("kube-dsr: fatal: could not start: listing Nodes failed: An error has occurred."
                + " <- java.util.concurrent.TimeoutException: The timeout period of 10000ms has been exceeded\n");
    }
}
