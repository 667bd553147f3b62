package fivechats.transport;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which browser pages may open a chat socket. A page on another site could otherwise open a socket with the
 * visitor's cookies (cross-site WebSocket hijacking), so, like gorilla's default CheckOrigin, only the server's own
 * page is allowed, plus an explicit allow-list. A request without an Origin header comes from a non-browser client
 * (wscat, tests) and is allowed: a browser always sends one.
 *
 * <p>"The server's own page" means an {@code http} origin whose host is an address the server listens on (for a
 * loopback server also {@code localhost}) and whose port is the server's port. It is never taken from the request's
 * Host header: a page on {@code evil.example} whose name an attacker re-points at 127.0.0.1 (DNS rebinding) sends
 * {@code Host: evil.example} and {@code Origin: http://evil.example}, which agree with each other and prove nothing.
 */
final class OriginPolicy {
    private final Set<String> allowList;
    /** The address the server listens on, as an origin writes it (lower case, IPv6 in brackets). */
    private final String listenHost;
    /** Hosts of the server's own page, written the same way. */
    private final Set<String> ownHosts;

    OriginPolicy(String listenHost, List<String> allowedOrigins) {
        this.allowList = allowedOrigins.stream().map(OriginPolicy::normalise).collect(Collectors.toUnmodifiableSet());
        this.listenHost = bracketed(listenHost.toLowerCase(Locale.ROOT));
        this.ownHosts = Set.copyOf(ownHosts(listenHost));
    }

    /** @param origin the Origin header, or null; @param port the port this server listens on */
    boolean allows(String origin, int port) {
        if (origin == null) {
            return true;
        }
        String normalised = normalise(origin);
        if (allowList.contains(normalised)) {
            return true;
        }
        try {
            URI uri = URI.create(normalised);
            int originPort = uri.getPort() != -1 ? uri.getPort() : 80;
            return "http".equals(uri.getScheme())
                    && uri.getHost() != null
                    && originPort == port
                    && ownHosts.contains(uri.getHost());
        } catch (IllegalArgumentException e) {
            return false; // an Origin that is not a URI is not our page
        }
    }

    /** The server's own page, as a learner would type it, for error messages. */
    String ownOrigin(int port) {
        return "http://" + listenHost + ":" + port;
    }

    private Set<String> ownHosts(String listenHost) {
        Set<String> hosts = new HashSet<>();
        hosts.add(this.listenHost);
        try {
            InetAddress listen = InetAddress.getByName(listenHost);
            if (listen.isLoopbackAddress() || listen.isAnyLocalAddress()) {
                hosts.addAll(List.of("localhost", "127.0.0.1", "[::1]"));
            }
            if (listen.isAnyLocalAddress()) { // listening everywhere: every address of this machine is its own
                for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    nic.inetAddresses()
                            .forEach(a -> hosts.add(bracketed(a.getHostAddress().replaceAll("%.*", ""))));
                }
            }
        } catch (UnknownHostException | SocketException e) {
            // a name that does not resolve is still its own page's host; nothing more is added
        }
        return hosts;
    }

    private static String bracketed(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String normalise(String origin) {
        String lower = origin.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith("/") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
