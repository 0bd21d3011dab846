package io.kubedsr.proxy;

import io.kubedsr.proxy.encap.EncapGuard;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.overlay.OverlayWriter;

/**
 * Everything the agent writes the node's kernel through, opened on its kernel thread and used only there: the
 * service engine's seams ({@link ServiceKernel}, whose IPVS table the metrics read too), the overlay's writer and
 * the node's encapsulation guard.
 * {@link NetlinkNodeKernel} is the real one; the start-up benchmark gives in-memory fakes on a kernel without IPVS.
 */
public interface NodeKernel extends AutoCloseable {
    ServiceKernel services();

    OverlayWriter overlay();

    EncapGuard encapGuard();

    @Override
    void close();
}
