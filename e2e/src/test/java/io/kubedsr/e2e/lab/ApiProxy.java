package io.kubedsr.e2e.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;

import io.kubedsr.netlink.netns.NetworkNamespace;

/**
 * The road from an agent to the stand-in API server, which a test can cut: a TCP forwarder listening on a loopback
 * port of a chosen network namespace (a node's, so that an agent running as a process there reaches it as a node
 * agent reaches its API server; or the test's own) and forwarding each connection to the API server's address in
 * the test's namespace. A socket belongs to the namespace it was made in, whatever thread uses it later
 * (docs/architecture.md), so the listening socket is made on a thread inside {@code where} and the connections to
 * the API server on the caller's.
 * <p>
 * {@link #cut} is an API server that went away: the listening socket closes (new connections are refused) and every
 * open connection is reset, watches included. {@link #restore} listens again on the same port, forwarding to
 * whatever {@link #forwardTo} says then (a new server, with a new history). Blocking sockets, two threads per
 * connection: an agent holds a handful.
 */
public final class ApiProxy implements AutoCloseable {
    private final NetworkNamespace where;
    private volatile InetSocketAddress target;
    /** Open connections as pairs: the agent's side, then the API server's. */
    private final List<Socket[]> open = new ArrayList<>();
    private ServerSocket listener;
    private int port;
    private long connections;

    private ApiProxy(NetworkNamespace where, InetSocketAddress target) {
        this.where = where;
        this.target = target;
    }

    /** Listens on a free loopback port of {@code where} (null: the caller's namespace), forwarding to {@code target}. */
    public static ApiProxy open(NetworkNamespace where, InetSocketAddress target) {
        ApiProxy proxy = new ApiProxy(where, target);
        proxy.listen(0);
        return proxy;
    }

    /** The URL an agent in the proxy's namespace uses for the API server. */
    public String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    /** Where new connections go from now on (a restarted API server). */
    public void forwardTo(InetSocketAddress target) {
        this.target = target;
    }

    /** Connections accepted so far (the agent reconnected when this grows after a {@link #restore}). */
    public synchronized long connections() {
        return connections;
    }

    /** The API server goes away: no new connection is accepted, every open one is reset. */
    public void cut() {
        List<Socket[]> toClose;
        synchronized (this) {
            closeQuietly(listener);
            listener = null;
            toClose = new ArrayList<>(open);
            open.clear();
        }
        for (Socket[] pair : toClose) {
            try {
                pair[0].setSoLinger(true, 0); // the agent sees a reset, as from a host whose API server died
            } catch (SocketException e) {
                // already closed
            }
            closeQuietly(pair[0]);
            closeQuietly(pair[1]); // the stand-in itself is closed on in order (fabric8's mock stalls on a reset)
        }
    }

    /** The API server is back: listens again on the same port. */
    public void restore() {
        listen(port);
    }

    private void listen(int onPort) {
        Runnable bind = () -> {
            // A listener closed while a thread was blocked in accept() lets go of its port only once that thread
            // has woken up: try again for a moment.
            for (int attempt = 0;; attempt++) {
                try {
                    ServerSocket s = new ServerSocket();
                    s.setReuseAddress(true);
                    try {
                        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
                    } catch (IOException e) {
                        s.close();
                        throw e;
                    }
                    synchronized (this) {
                        listener = s;
                        port = s.getLocalPort();
                    }
                    return;
                } catch (IOException e) {
                    if (attempt >= 50) {
                        throw new IllegalStateException("cannot listen on loopback port " + onPort, e);
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(ie);
                    }
                }
            }
        };
        if (where == null) {
            bind.run();
        } else {
            where.run(bind);
        }
        ServerSocket s;
        synchronized (this) {
            s = listener;
        }
        Thread acceptor = new Thread(() -> accept(s), "api-proxy-accept-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void accept(ServerSocket s) {
        while (true) {
            Socket client;
            try {
                client = s.accept();
            } catch (IOException e) {
                return; // cut or closed
            }
            Socket server = new Socket();
            try {
                server.connect(target, 5_000);
            } catch (IOException e) {
                closeQuietly(client); // the API server itself is not there
                closeQuietly(server);
                continue;
            }
            synchronized (this) {
                if (listener != s) {
                    closeQuietly(client);
                    closeQuietly(server);
                    return;
                }
                Socket[] pair = {client, server};
                open.add(pair);
                connections++;
                pump(client, server, pair);
                pump(server, client, pair);
            }
        }
    }

    private void pump(Socket from, Socket to, Socket[] pair) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // reset or closed: the other direction ends with it
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                synchronized (this) {
                    open.remove(pair);
                }
            }
        }, "api-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        cut();
    }
}
