package io.kubedsr.e2e.vm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.DiscoverySelectorIdentifier;
import org.junit.platform.engine.discovery.DiscoverySelectors;

/**
 * A selection of tests to run in the VM with the JUnit Platform Launcher, e.g. a class from another
 * module's test-jar filtered by tag. Built with {@link #builder()}; executed by {@link Vm#run}.
 */
public final class VmRequest {

  private final List<String> selectors;
  private final List<String> includeTags;
  private final List<String> excludeTags;
  private final List<String> modules;
  private final Duration timeout;
  private final String logName;

  private VmRequest(Builder b) {
    this.selectors = List.copyOf(b.selectors);
    this.includeTags = List.copyOf(b.includeTags);
    this.excludeTags = List.copyOf(b.excludeTags);
    this.modules = List.copyOf(b.modules);
    this.timeout = b.timeout;
    this.logName = b.logName;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Discovery selector identifiers, e.g. {@code class:io.kubedsr.netlink.RtnlTest}. */
  public List<String> selectors() {
    return selectors;
  }

  public List<String> includeTags() {
    return includeTags;
  }

  public List<String> excludeTags() {
    return excludeTags;
  }

  public List<String> modules() {
    return modules;
  }

  public Duration timeout() {
    return timeout;
  }

  /** File name (without .log) under which the console log is kept when this request fails the VM. */
  public String logName() {
    return logName;
  }

  Properties toProperties() {
    Properties p = new Properties();
    p.setProperty("selectors", String.join("\n", selectors));
    p.setProperty("includeTags", String.join(",", includeTags));
    p.setProperty("excludeTags", String.join(",", excludeTags));
    p.setProperty("modules", String.join(",", modules));
    p.setProperty("timeoutMillis", Long.toString(timeout.toMillis()));
    p.setProperty("logName", logName);
    return p;
  }

  static VmRequest fromProperties(Properties p) {
    Builder b = builder()
        .timeout(Duration.ofMillis(Long.parseLong(p.getProperty("timeoutMillis", "300000"))))
        .logName(p.getProperty("logName", "request"));
    b.selectors.addAll(split(p.getProperty("selectors", ""), "\n"));
    b.includeTags.addAll(split(p.getProperty("includeTags", ""), ","));
    b.excludeTags.addAll(split(p.getProperty("excludeTags", ""), ","));
    b.modules.addAll(split(p.getProperty("modules", ""), ","));
    return b.build();
  }

  private static List<String> split(String s, String sep) {
    List<String> out = new ArrayList<>();
    for (String part : s.split(sep)) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "VmRequest" + selectors + (includeTags.isEmpty() ? "" : " tags=" + includeTags)
        + (modules.isEmpty() ? "" : " modules=" + modules) + " timeout=" + timeout;
  }

  public static final class Builder {
    private final List<String> selectors = new ArrayList<>();
    private final List<String> includeTags = new ArrayList<>();
    private final List<String> excludeTags = new ArrayList<>();
    private final List<String> modules = new ArrayList<>();
    private Duration timeout = Duration.ofSeconds(300);
    private String logName = "request";

    private Builder() {}

    /** Any selector that has an identifier (class, method, package, uid, ...). */
    public Builder select(DiscoverySelector... selectors) {
      for (DiscoverySelector s : selectors) {
        String id = s.toIdentifier().map(DiscoverySelectorIdentifier::toString)
            .orElseThrow(() -> new IllegalArgumentException("selector has no identifier: " + s));
        this.selectors.add(id);
      }
      return this;
    }

    public Builder selectClass(String className) {
      return select(DiscoverySelectors.selectClass(className));
    }

    /** {@code com.example.Test#method} or {@code com.example.Test#method(int)}. */
    public Builder selectMethod(String fullyQualifiedMethodName) {
      return select(DiscoverySelectors.selectMethod(fullyQualifiedMethodName));
    }

    public Builder selectPackage(String packageName) {
      return select(DiscoverySelectors.selectPackage(packageName));
    }

    public Builder selectUniqueId(String uniqueId) {
      return select(DiscoverySelectors.selectUniqueId(uniqueId));
    }

    public Builder includeTags(String... tags) {
      includeTags.addAll(Arrays.asList(tags));
      return this;
    }

    public Builder excludeTags(String... tags) {
      excludeTags.addAll(Arrays.asList(tags));
      return this;
    }

    public Builder modules(String... modules) {
      this.modules.addAll(Arrays.asList(modules));
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder logName(String logName) {
      this.logName = logName.replaceAll("[^A-Za-z0-9._#-]", "_");
      return this;
    }

    public VmRequest build() {
      if (selectors.isEmpty()) {
        throw new IllegalStateException("a VmRequest needs at least one selector");
      }
      return new VmRequest(this);
    }
  }
}
