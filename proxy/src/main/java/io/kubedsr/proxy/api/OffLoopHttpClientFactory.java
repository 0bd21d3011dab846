package io.kubedsr.proxy.api;

import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.http.TlsVersion;

/**
 * An HTTP client factory for fabric8 whose clients hand whole responses to {@code decoder} threads
 * ({@link OffLoopHttpClient}); everything else is the delegate's (Vert.x) client, configured as fabric8 configures
 * it.
 */
final class OffLoopHttpClientFactory implements HttpClient.Factory {
    private final HttpClient.Factory delegate;
    private final Executor decoder;

    OffLoopHttpClientFactory(HttpClient.Factory delegate, Executor decoder) {
        this.delegate = delegate;
        this.decoder = decoder;
    }

    @Override
    public HttpClient.Builder newBuilder(Config config) {
        return new Builder(delegate.newBuilder(config), decoder);
    }

    @Override
    public HttpClient.Builder newBuilder() {
        return new Builder(delegate.newBuilder(), decoder);
    }

    @Override
    public int priority() {
        return delegate.priority();
    }

    /** The delegate's builder; {@link #build} wraps what it builds. */
    private record Builder(HttpClient.Builder delegate, Executor decoder) implements HttpClient.Builder {
        private HttpClient.Builder with(HttpClient.Builder changed) {
            return new Builder(changed, decoder);
        }

        @Override
        public HttpClient build() {
            return new OffLoopHttpClient(delegate.build(), decoder);
        }

        @Override
        public HttpClient.Builder connectTimeout(long connectTimeout, TimeUnit unit) {
            return with(delegate.connectTimeout(connectTimeout, unit));
        }

        @Override
        public HttpClient.Builder websocketPingInterval(long interval, TimeUnit unit) {
            return with(delegate.websocketPingInterval(interval, unit));
        }

        @Override
        public HttpClient.Builder addOrReplaceInterceptor(String name, Interceptor interceptor) {
            return with(delegate.addOrReplaceInterceptor(name, interceptor));
        }

        @Override
        public HttpClient.Builder authenticatorNone() {
            return with(delegate.authenticatorNone());
        }

        @Override
        public HttpClient.Builder sslContext(KeyManager[] keyManagers, TrustManager[] trustManagers) {
            return with(delegate.sslContext(keyManagers, trustManagers));
        }

        @Override
        public HttpClient.Builder followAllRedirects() {
            return with(delegate.followAllRedirects());
        }

        @Override
        public HttpClient.Builder proxyAddress(InetSocketAddress proxyAddress) {
            return with(delegate.proxyAddress(proxyAddress));
        }

        @Override
        public HttpClient.Builder proxyAuthorization(String credentials) {
            return with(delegate.proxyAuthorization(credentials));
        }

        @Override
        public HttpClient.Builder tlsVersions(TlsVersion... tlsVersions) {
            return with(delegate.tlsVersions(tlsVersions));
        }

        @Override
        public HttpClient.Builder tlsServerName(String serverName) {
            return with(delegate.tlsServerName(serverName));
        }

        @Override
        public HttpClient.Builder preferHttp11() {
            return with(delegate.preferHttp11());
        }

        @Override
        public HttpClient.Builder proxyType(HttpClient.ProxyType type) {
            return with(delegate.proxyType(type));
        }

        @Override
        public HttpClient.Builder tag(Object value) {
            delegate.tag(value); // declared to return the narrower builder; fabric8's returns itself
            return this;
        }
    }
}
