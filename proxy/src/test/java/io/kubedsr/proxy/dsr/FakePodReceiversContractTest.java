package io.kubedsr.proxy.dsr;

import java.net.InetAddress;

/** The in-memory pods answer the receivers contract as the kernel does (the kernel's side runs in the VM). */
class FakePodReceiversContractTest extends PodReceiversContract {
    private final FakePodReceivers receivers = new FakePodReceivers();

    @Override
    protected PodReceivers bare() {
        return receivers;
    }

    @Override
    protected void createPod(InetAddress ip) {
        receivers.createPod(ip);
    }
}
