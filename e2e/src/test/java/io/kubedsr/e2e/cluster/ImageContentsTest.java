package io.kubedsr.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kubedsr.e2e.vm.VmCommands;
import io.kubedsr.e2e.vm.VmDocker;
import io.kubedsr.e2e.vm.VmTest;

/**
 * The agent image built from deploy/Dockerfile on the local Debian base (e2e/vm/image), loaded into the VM's
 * engine: it holds the launcher and the jar where the DaemonSets run them, the tools the docs promise for
 * {@code kubectl exec}, a Java 17 runtime, the class-data-sharing archive the launcher uses, and its entry point is
 * the agent. ({@code kube-dsr status} inside a
 * running agent pod is part of {@link DeployedAgentTest}: it needs the node's kernel state.)
 */
@Order(9)
@VmTest(timeoutSeconds = 300)
@ExtendWith(ProjectImage.class)
class ImageContentsTest {

    @Test
    void theImageHoldsTheLauncherTheJarJavaAndTheNodeTools() {
        VmDocker.Images images = VmDocker.ready();
        String agent = DaemonSetManifest.read("kube-dsr-proxy.yaml").agent().getImage();
        assertThat(images.agent()).as("the image the DaemonSets name is the one built here").isEqualTo(agent);
        String inside = VmCommands.run("docker", "run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", agent, "-c",
                "ls -l /opt/kube-dsr/bin; for t in kube-dsr java modprobe nft ipvsadm ip; do echo \"$t=$(command -v $t)\"; done;"
                        + " java -version 2>&1; nft --version; ip -V; ipvsadm --version 2>&1 | head -1; modprobe --version");
        assertThat(inside).contains("kube-dsr.jar", "kube-dsr.jsa").containsPattern("-rwxr-xr-x .* kube-dsr\\n")
                .contains("kube-dsr=/opt/kube-dsr/bin/kube-dsr", "modprobe=/usr/sbin/modprobe", "nft=/usr/sbin/nft",
                        "ipvsadm=/usr/sbin/ipvsadm", "ip=/usr/sbin/ip")
                .containsPattern("java=/\\S+/bin/java").contains("version \"17.").contains("kmod version");
        String entrypoint = VmCommands.run("docker", "image", "inspect", "--format", "{{json .Config.Entrypoint}}", agent);
        assertThat(entrypoint.trim()).isEqualTo("[\"/opt/kube-dsr/bin/kube-dsr\"]");
        String help = VmCommands.run("docker", "run", "--rm", "--network", "none", agent, "--help");
        assertThat(help).contains("Usage: kube-dsr [flags]").contains("--overlay-encap");
        // The class-data-sharing archive the image build wrote (bin/kube-dsr-cds-archive) is the one the launcher maps:
        // the classes a start loads come from it (the "top" layer above the JDK's own), none from the jar.
        String loads = VmCommands.run("docker", "run", "--rm", "--network", "none",
                "-e", "KUBE_DSR_JAVA_OPTS=-XX:+UseSerialGC -Xlog:class+load=info", agent, "--help");
        assertThat(loads).contains("source: shared objects file (top)").doesNotContain("source: jar:file");
        System.out.printf("image %s: %.1f MB (base %s)%n", agent, images.agentBytes() / 1e6, images.base());
    }
}
