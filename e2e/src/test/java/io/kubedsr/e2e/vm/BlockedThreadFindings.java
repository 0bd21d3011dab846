package io.kubedsr.e2e.vm;

import java.util.ArrayList;
import java.util.List;

/**
 * What Vert.x's blocked-thread checker found on the agents of the scenario running now in this JVM (in the VM):
 * {@code lab/MockApi} reports every finding on the Vert.x instance its in-process agents run on, and
 * {@code lab/AgentProcess} an agent process's count when it stops it. {@link VmExtension} fails every VM scenario
 * that leaves a finding here. Global to the JVM because the VM server runs one scenario at a time and the agents'
 * Vert.x instances are made deep inside the labs.
 */
public final class BlockedThreadFindings {
  private static final List<String> FINDINGS = new ArrayList<>();

  private BlockedThreadFindings() {
  }

  public static synchronized void record(String finding) {
    FINDINGS.add(finding);
  }

  /** The findings since the last call, and forgets them. */
  static synchronized List<String> drain() {
    List<String> out = List.copyOf(FINDINGS);
    FINDINGS.clear();
    return out;
  }
}
