package io.kubedsr.e2e.contract;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;

import io.kubedsr.e2e.vm.VmCommands;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.IpvsTable;
import io.kubedsr.ipvs.IpvsTableContract;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;

/** The IPVS contract against the kernel: what FakeIpvsTable answers on the host must be what IPVS answers. */
@Order(4)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ip_vs_wlc", "ip_vs_mh"}, timeoutSeconds = 240)
class IpvsTableContractRealKernelTest extends IpvsTableContract {
    private static final Path MODPROBE = Path.of("/proc/sys/kernel/modprobe");
    private TestNamespace ns;
    private IpvsClient ipvs;
    private String savedModprobe;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create(); // lo is up: IPVS refuses real servers in a namespace until it is
        ipvs = new IpvsClient(ns.namespace().openConnection(NetlinkProtocol.GENERIC));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (savedModprobe != null) {
            Files.writeString(MODPROBE, savedModprobe);
        }
        ipvs.close();
        ns.close();
    }

    @Override
    protected IpvsTable table() {
        return ipvs;
    }

    /** The socket's receive buffer at the kernel's minimum (SOCK_MIN_RCVBUF), or back at what the client asks for. */
    @Override
    protected void overflowAcknowledgements(boolean overflow) {
        ipvs.connection().socket().setReceiveBufferSize(overflow ? 1 : 4 * 1024 * 1024);
    }

    /** Unloads ip_vs_NAME and points the kernel's module loader at nothing, as on a node missing the module. */
    @Override
    protected void makeSchedulerUnavailable(String name) {
        VmCommands.run("modprobe", "-r", "ip_vs_" + name);
        try {
            savedModprobe = Files.readString(MODPROBE).trim();
            Files.writeString(MODPROBE, "/nonexistent/modprobe");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
