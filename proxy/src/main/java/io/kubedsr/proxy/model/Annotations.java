package io.kubedsr.proxy.model;

/** The Service annotations and labels the agent reads (kube-router's names). */
public final class Annotations {
    private Annotations() {
    }

    public static final String SCHEDULER = "kube-router.io/service.scheduler";
    public static final String SCHED_FLAGS = "kube-router.io/service.schedflags";
    public static final String LOCAL = "kube-router.io/service.local";
    public static final String SKIP_LB_IPS = "kube-router.io/service.skiplbips";
    public static final String HAIRPIN = "kube-router.io/service.hairpin";
    public static final String HAIRPIN_EXTERNAL_IPS = "kube-router.io/service.hairpin.externalips";
    public static final String DSR = "kube-router.io/service.dsr";
    public static final String DSR_ENCAP = "kube-dsr.io/service.dsr-encap";

    /** Labels: a Service with either is not ours to proxy. */
    public static final String LABEL_HEADLESS = "service.kubernetes.io/headless";
    public static final String LABEL_PROXY_NAME = "service.kubernetes.io/service-proxy-name";
    /** EndpointSlice label naming its Service. */
    public static final String LABEL_SERVICE_NAME = "kubernetes.io/service-name";
}
