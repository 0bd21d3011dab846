package io.kubedsr.proxy.api;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.WebSocket;

/**
 * fabric8's HTTP client with whole responses handed to {@code decoder} threads. fabric8 decodes a response, and
 * an informer fills its store from a list, in the stages that follow {@link #sendAsync}; the Vert.x client
 * completes that future on the event loop that read the last byte, so a list of 10,000 Services would be decoded
 * there, in the way of every other task of that loop. Completing it on a decoder thread moves that work off the
 * loop. Streams ({@link #consumeBytes}, watches over WebSocket) stay on the loop: they carry one object per event.
 */
final class OffLoopHttpClient implements HttpClient {
    private final HttpClient delegate;
    private final Executor decoder;

    OffLoopHttpClient(HttpClient delegate, Executor decoder) {
        this.delegate = delegate;
        this.decoder = decoder;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, Class<T> type) {
        CompletableFuture<HttpResponse<T>> onLoop = delegate.sendAsync(request, type);
        CompletableFuture<HttpResponse<T>> offLoop = onLoop.thenApplyAsync(response -> response, decoder);
        // fabric8 cancels what it no longer waits for (a stopped informer): pass that on to the request.
        offLoop.whenComplete((r, e) -> {
            if (offLoop.isCancelled()) {
                onLoop.cancel(true);
            }
        });
        return offLoop;
    }

    @Override
    public CompletableFuture<HttpResponse<AsyncBody>> consumeBytes(HttpRequest request,
            AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        return delegate.consumeBytes(request, consumer);
    }

    @Override
    public DerivedClientBuilder newBuilder() {
        return new DerivedBuilder(delegate.newBuilder(), decoder);
    }

    @Override
    public WebSocket.Builder newWebSocketBuilder() {
        return delegate.newWebSocketBuilder();
    }

    @Override
    public HttpRequest.Builder newHttpRequestBuilder() {
        return delegate.newHttpRequestBuilder();
    }

    @Override
    public boolean isClosed() {
        return delegate.isClosed();
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** fabric8 derives clients (other timeouts, other interceptors): they decode off the loop too. */
    private record DerivedBuilder(DerivedClientBuilder delegate, Executor decoder) implements DerivedClientBuilder {
        @Override
        public HttpClient build() {
            return new OffLoopHttpClient(delegate.build(), decoder);
        }

        @Override
        public DerivedClientBuilder addOrReplaceInterceptor(String name, io.fabric8.kubernetes.client.http.Interceptor interceptor) {
            return new DerivedBuilder(delegate.addOrReplaceInterceptor(name, interceptor), decoder);
        }

        @Override
        public DerivedClientBuilder authenticatorNone() {
            return new DerivedBuilder(delegate.authenticatorNone(), decoder);
        }

        @Override
        public DerivedClientBuilder tag(Object value) {
            return new DerivedBuilder(delegate.tag(value), decoder);
        }
    }
}
