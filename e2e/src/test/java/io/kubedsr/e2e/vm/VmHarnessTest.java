package io.kubedsr.e2e.vm;

import static io.kubedsr.e2e.vm.VmCommands.inNetns;
import static io.kubedsr.e2e.vm.VmCommands.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The harness proves itself: these run in the VM kernel, with what this host's kernel lacks. */
@Order(1)
@VmTest(modules = {"ip_vs"}, timeoutSeconds = 120)
class VmHarnessTest {

  private String netns;

  @BeforeEach
  void freshNetns() {
    // Lifecycle methods run in the VM only; on the host they are skipped.
    assertThat(VmEnvironment.inVm()).isTrue();
    netns = "vmh-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100000;
    run("ip", "netns", "add", netns);
    inNetns(netns, "ip", "link", "set", "lo", "up");
  }

  @AfterEach
  void deleteNetns() {
    run("ip", "netns", "del", netns);
  }

  @Test
  void runsOnTheCachedDebianKernel() {
    String uname = run("uname", "-r").trim();
    System.out.println("uname -r in the VM: " + uname);
    assertThat(uname).isEqualTo(VmEnvironment.kernelVersion());
    assertThat(System.getenv("KUBE_DSR_IN_VM")).isEqualTo("1");
  }

  @Test
  void classModulesAreLoaded() {
    assertThat(Path.of("/proc/net/ip_vs")).exists();
    assertThat(run("lsmod")).contains("ip_vs");
  }

  @Test
  void ipvsadmSeesAVirtualServiceInAFreshNetns() {
    inNetns(netns, "ipvsadm", "-A", "-t", "10.0.0.1:80", "-s", "rr");
    inNetns(netns, "ipvsadm", "-a", "-t", "10.0.0.1:80", "-r", "10.0.0.2:80", "-i");
    String table = inNetns(netns, "ipvsadm", "-Ln");
    assertThat(table).contains("TCP  10.0.0.1:80 rr").contains("10.0.0.2:80").contains("Tunnel");
  }

  @Test
  void ipipTunnelIsCreatedWithTheModuleLoadedOnDemand() {
    inNetns(netns, "ip", "link", "add", "t0", "type", "ipip", "local", "10.1.1.1", "remote", "10.1.1.2");
    assertThat(inNetns(netns, "ip", "-d", "link", "show", "t0")).contains("ipip").contains("remote 10.1.1.2");
  }

  @Test
  void fouNeedsAnExplicitModprobeThenGuePortsWork() throws Exception {
    // Debian's 6.1 fou (like ip_vs) declares no "net-pf-16-proto-16-family-*" alias, so a generic netlink
    // family lookup does not autoload it: whoever needs FOU/GUE (or IPVS) must modprobe it.
    if (!Files.readString(Path.of("/proc/modules")).contains("fou ")) {
      assertThat(VmCommands.tryRun("ip", "netns", "exec", netns, "ip", "fou", "show").exitCode()).isNotZero();
    }
    run("modprobe", "fou"); // through the chroot's kmod wrapper: modules of the cached kernel
    inNetns(netns, "ip", "fou", "add", "port", "5555", "gue");
    assertThat(inNetns(netns, "ip", "fou", "show")).contains("5555").contains("gue");
  }
}
