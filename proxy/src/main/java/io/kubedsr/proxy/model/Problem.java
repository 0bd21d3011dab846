package io.kubedsr.proxy.model;

/**
 * Something wrong with one Service's specification: logged and reported as a Kubernetes Event (type
 * Warning) on the Service; the Service is still served as well as it can be, and others are unaffected.
 */
public record Problem(ServiceRef service, String reason, String message) {
    @Override
    public String toString() {
        return service + " " + reason + ": " + message;
    }
}
