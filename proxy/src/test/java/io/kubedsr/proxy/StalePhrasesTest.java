package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The README, docs/ and deploy/ (read from the module directory) say nothing that was true once and no longer is:
 * the image is built and its manifests run in the container scenarios, DSR, the overlay and the metrics work.
 */
class StalePhrasesTest {
    private static final Path ROOT = Path.of("..");
    /** Each phrase was in these files while it was true, and is false now. */
    private static final List<String> STALE = List.of(
            "cannot be built here", "has never been built", "not built or applied here", // the image (e2e/vm/image builds it)
            "not implemented yet", "parsed flags", "not acted on", // DSR, the overlay, metrics, hairpin...
            "metrics to come", "nftables rules (to come)", "when they land", // metrics and nftables exist
            "not yet applied to a cluster", "never been applied", // the DaemonSets run in node containers
            "node list/watch (the overlay will need"); // the ClusterRole grants them now

    static List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        for (String dir : List.of("docs", "deploy")) {
            try (Stream<Path> s = Files.walk(ROOT.resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".md") || p.toString().endsWith(".yaml")).sorted().forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void noFileRepeatsAStalePhrase() throws IOException {
        List<Path> files = files();
        assertThat(files).contains(ROOT.resolve("deploy/README.md"), ROOT.resolve("docs/troubleshooting.md"));
        List<String> found = new ArrayList<>();
        for (Path f : files) {
            String text = Files.readString(f).toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
            for (String phrase : STALE) {
                if (text.contains(phrase.toLowerCase(Locale.ROOT))) {
                    found.add(ROOT.relativize(f) + ": \"" + phrase + "\"");
                }
            }
        }
        assertThat(found).isEmpty();
    }
}
