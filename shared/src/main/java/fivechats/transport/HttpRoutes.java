package fivechats.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The plain HTTP side: the chat page and its two assets, {@code /healthz}, {@code /metrics} and {@code /stats}.
 * The page is three static files with no build step, loaded once from the classpath. {@code /stats} is the handful of
 * numbers the page shows beside the chat (which model serves it, concurrent writes, evictions, queue depth), as JSON,
 * so a learner sees a break without reading Prometheus text.
 *
 * <p>Only GET and HEAD are answered (anything else gets 405 with {@code Allow}), and every answer carries the
 * headers a browser needs to keep the page to itself: no MIME sniffing, no framing by another site (clickjacking),
 * and a Content-Security-Policy that lets the page load only its own script and style and connect only to its own
 * server, so an injected line could never run as script even if the page one day rendered it as HTML.
 */
final class HttpRoutes extends Handler.Abstract.NonBlocking {
    private record Asset(String contentType, byte[] body) {}

    private final Map<String, Asset> assets = Map.of(
            "/", asset("index.html", "text/html; charset=utf-8"),
            "/chat.js", asset("chat.js", "text/javascript; charset=utf-8"),
            "/chat.css", asset("chat.css", "text/css; charset=utf-8"));

    /** The plain routes besides the page's files. */
    private static final List<String> PLAIN = List.of("/healthz", "/metrics", "/stats");
    /** Every path answered here: the page's three files and the plain routes. */
    static final List<String> PATHS = Stream.concat(Stream.of("/", "/chat.js", "/chat.css"), PLAIN.stream())
            .toList();

    private final ChatMetrics metrics;
    /** Null while the server takes clients; otherwise why not ("starting", "shutting down"). */
    private final Supplier<String> unavailable;

    private final Supplier<Map<String, Object>> stats;

    HttpRoutes(ChatMetrics metrics, Supplier<String> unavailable, Supplier<Map<String, Object>> stats) {
        this.metrics = metrics;
        this.unavailable = unavailable;
        this.stats = stats;
    }

    /** Same-origin everything; 'self' covers the page's own ws:// socket (CSP Level 3). */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
        String path = Request.getPathInContext(request);
        Asset asset = assets.get(path);
        boolean known = asset != null || PLAIN.contains(path);
        if (known && !HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            send(
                    response,
                    callback,
                    HttpStatus.METHOD_NOT_ALLOWED_405,
                    "text/plain; charset=utf-8",
                    (request.getMethod() + " is not allowed here: this path only answers GET and HEAD\n")
                            .getBytes(StandardCharsets.UTF_8));
        } else if (asset != null) {
            send(response, callback, HttpStatus.OK_200, asset.contentType(), asset.body());
        } else if (path.equals("/healthz")) {
            String why = unavailable.get();
            send(
                    response,
                    callback,
                    why == null ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503,
                    "text/plain; charset=utf-8",
                    ((why == null ? "ok" : why) + "\n").getBytes(StandardCharsets.UTF_8));
        } else if (path.equals("/metrics")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            metrics.writeTo(out);
            send(response, callback, HttpStatus.OK_200, metrics.contentType(), out.toByteArray());
        } else if (path.equals("/stats")) {
            send(response, callback, HttpStatus.OK_200, "application/json", Wire.JSON.writeValueAsBytes(stats.get()));
        } else {
            return false; // Jetty answers 404
        }
        return true;
    }

    private static void send(Response response, Callback callback, int status, String type, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put("X-Frame-Options", "DENY");
        response.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static Asset asset(String file, String contentType) {
        try (InputStream in = HttpRoutes.class.getResourceAsStream("/fivechats/web/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing page asset " + file + " on the classpath");
            }
            return new Asset(contentType, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
