package fivechats.transport;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which browser pages may open a chat socket. A page on another site could otherwise open a socket with the
 * visitor's cookies (cross-site WebSocket hijacking), so, like gorilla's default CheckOrigin, only the
 * page's own origin is allowed, plus an explicit allow-list. A request without an Origin header comes from
 * a non-browser client (wscat, tests) and is allowed: a browser always sends one.
 */
final class OriginPolicy {
    private final Set<String> allowList;

    OriginPolicy(List<String> allowedOrigins) {
        this.allowList = allowedOrigins.stream().map(OriginPolicy::normalise).collect(Collectors.toUnmodifiableSet());
    }

    /** @param origin the Origin header, or null; @param host the Host header the browser connected to */
    boolean allows(String origin, String host) {
        if (origin == null) {
            return true;
        }
        String normalised = normalise(origin);
        if (allowList.contains(normalised)) {
            return true;
        }
        try {
            URI uri = URI.create(normalised);
            return host != null && uri.getHost() != null
                    && authority(uri).equals(withDefaultPort(host.toLowerCase(Locale.ROOT), uri.getScheme()));
        } catch (IllegalArgumentException e) {
            return false; // an Origin that is not a URI is not our page
        }
    }

    private static String authority(URI uri) {
        int port = uri.getPort() != -1 ? uri.getPort() : defaultPort(uri.getScheme());
        return uri.getHost() + ":" + port;
    }

    private static String withDefaultPort(String host, String scheme) {
        return host.lastIndexOf(':') > host.lastIndexOf(']') ? host : host + ":" + defaultPort(scheme);
    }

    private static int defaultPort(String scheme) {
        return "https".equals(scheme) ? 443 : 80;
    }

    private static String normalise(String origin) {
        String lower = origin.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith("/") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
