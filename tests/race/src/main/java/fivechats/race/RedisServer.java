package fivechats.race;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis for the cluster tests and the benchmark: Debian's {@code redis-server}, started on a free loopback port
 * with nothing saved to disk, and stopped by its PID. No Docker here, so no Testcontainers.
 *
 * <pre>
 *   try (RedisServer redis = RedisServer.start()) {
 *       ... ChatServer.newServer(config, model, ClusterConfig.of(redis.uri().toString(), ClusterConfig.Mode.STREAMS, "a")) ...
 *   }
 * </pre>
 */
public final class RedisServer implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/redis-server");
    public static final String INSTALL = "apt-get install redis-server";

    /** Replaced by {@link #restart()}. */
    private volatile Process process;

    private final int port;
    private final RedisClient client = RedisClient.create();
    private final StatefulRedisConnection<String, String> admin;

    private RedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
        this.admin = client.connect(RedisURI.create(uri().toString()));
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Starts Redis and returns once it has said it accepts connections. */
    public static RedisServer start() throws IOException {
        if (!installed()) {
            throw new IllegalStateException("no " + BINARY + ": " + INSTALL);
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        return new RedisServer(launch(port), port);
    }

    /**
     * Kills this Redis (SIGKILL: it saves nothing, and has nothing saved) and starts an empty one on the same port, as
     * a crash and a restart without persistence would: the stream, the presence keys and the subscriptions are gone.
     * Returns once the new one accepts connections.
     */
    public void restart() throws IOException, InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        process = launch(port);
    }

    private static Process launch(int port) throws IOException {
        Process process = new ProcessBuilder(
                        BINARY.toString(),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--loglevel",
                        "notice",
                        "--enable-debug-command",
                        "local") // DEBUG SLEEP, for the fault run: Redis busy, answering nobody
                .redirectErrorStream(true)
                .start();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        List<String> said = new ArrayList<>();
        Thread.ofPlatform().daemon(true).name("redis-" + port + "-log").start(() -> {
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    synchronized (said) {
                        said.add(line);
                    }
                    if (line.contains("Ready to accept connections")) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            ready.completeExceptionally(new IllegalStateException("redis-server ended before it was ready: " + said));
        });
        try {
            ready.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("redis-server did not start on port " + port + ": " + e.getMessage(), e);
        }
        return process;
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public long pid() {
        return process.pid();
    }

    /** A connection of the test's own, for looking and for killing others' connections. */
    public RedisCommands<String, String> admin() {
        return admin.sync();
    }

    /** Clients whose {@code CLIENT SETNAME} starts with {@code prefix}, by Redis client id. */
    public List<Long> clients(String prefix) {
        List<Long> ids = new ArrayList<>();
        for (String line : admin().clientList().split("\n")) {
            String id = null;
            String name = null;
            for (String field : line.trim().split(" ")) {
                if (field.startsWith("id=")) {
                    id = field.substring(3);
                } else if (field.startsWith("name=")) {
                    name = field.substring(5);
                }
            }
            if (id != null && name != null && name.startsWith(prefix)) {
                ids.add(Long.parseLong(id));
            }
        }
        return ids;
    }

    /** Hears every message published on {@code channel} from now on, until the returned connection is closed. */
    public AutoCloseable listen(String channel, java.util.function.Consumer<String> heard) {
        StatefulRedisPubSubConnection<String, String> subscriber =
                client.connectPubSub(RedisURI.create(uri().toString()));
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String from, String message) {
                heard.accept(message);
            }
        });
        subscriber.sync().subscribe(channel);
        return subscriber::close;
    }

    /** Kills every connection whose name starts with {@code prefix}, as a network blip would; returns how many. */
    public int killClients(String prefix) {
        int killed = 0;
        for (long id : clients(prefix)) {
            killed += admin().clientKill(KillArgs.Builder.id(id)).intValue();
        }
        return killed;
    }

    /** Stops Redis by its PID (SIGTERM, then SIGKILL if it does not exit). */
    @Override
    public void close() {
        admin.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return "redis-server on port " + port + " (pid " + pid() + ")";
    }
}
