package io.kubedsr.ipvs;

import io.kubedsr.netlink.NetlinkRequest;

/** One IPVS write, encodable for a given family id; the unit of {@link IpvsClient#apply}. */
public sealed interface IpvsOperation {
    NetlinkRequest encode(int familyId);

    /** Whether the command addresses a real server (decides what ENOENT means). */
    boolean onRealServer();

    record AddVirtualServer(VirtualServer server) implements IpvsOperation {
        public NetlinkRequest encode(int familyId) {
            return IpvsRequests.addVirtualServer(familyId, server);
        }

        public boolean onRealServer() {
            return false;
        }
    }

    record EditVirtualServer(VirtualServer server) implements IpvsOperation {
        public NetlinkRequest encode(int familyId) {
            return IpvsRequests.editVirtualServer(familyId, server);
        }

        public boolean onRealServer() {
            return false;
        }
    }

    record DeleteVirtualServer(VirtualServerKey key) implements IpvsOperation {
        public NetlinkRequest encode(int familyId) {
            return IpvsRequests.deleteVirtualServer(familyId, key);
        }

        public boolean onRealServer() {
            return false;
        }
    }

    record AddRealServer(VirtualServerKey service, RealServer server) implements IpvsOperation {
        public NetlinkRequest encode(int familyId) {
            return IpvsRequests.addRealServer(familyId, service, server);
        }

        public boolean onRealServer() {
            return true;
        }
    }

    record EditRealServer(VirtualServerKey service, RealServer server) implements IpvsOperation {
        public NetlinkRequest encode(int familyId) {
            return IpvsRequests.editRealServer(familyId, service, server);
        }

        public boolean onRealServer() {
            return true;
        }
    }

    record DeleteRealServer(VirtualServerKey service, RealServerKey server) implements IpvsOperation {
        public NetlinkRequest encode(int familyId) {
            return IpvsRequests.deleteRealServer(familyId, service, server);
        }

        public boolean onRealServer() {
            return true;
        }
    }
}
