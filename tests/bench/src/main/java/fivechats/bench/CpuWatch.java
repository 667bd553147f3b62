package fivechats.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Watches the machine while a scenario runs: CPU used by everything except the server under test and this load
 * generator. A busy neighbour makes every figure worse, so the report says how busy the machine was.
 */
final class CpuWatch {
    private final ServerProcess server;
    private final long machine;
    private final long serverCpu;
    private final long self;
    private final long wall;

    CpuWatch(ServerProcess server) throws IOException {
        this.server = server;
        this.machine = machineBusyNanos();
        this.serverCpu = server.cpuNanos();
        this.self = ServerProcess.cpuTime("self").total();
        this.wall = System.nanoTime();
    }

    /** Other processes' CPU since this watch began, as a percentage of one core. */
    double otherCpuPercent() throws IOException {
        long others = (machineBusyNanos() - machine)
                - (server.cpuNanos() - serverCpu)
                - (ServerProcess.cpuTime("self").total() - self);
        return Math.max(0, 100.0 * others / (System.nanoTime() - wall));
    }

    private static long machineBusyNanos() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i : new int[] {1, 2, 3, 6, 7, 8}) { // user nice system irq softirq steal
            busy += Long.parseLong(f[i]);
        }
        return busy * 1_000_000_000L / ServerProcess.TICKS_PER_SECOND;
    }
}
