package io.kubedsr.netlink.netns;

/** Identity of a network namespace: the device and inode of its nsfs file, equal for every path to it. */
public record NamespaceId(long device, long inode) {
    @Override
    public String toString() {
        return "net:[" + inode + "]";
    }
}
