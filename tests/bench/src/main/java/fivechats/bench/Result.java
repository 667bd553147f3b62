package fivechats.bench;

/**
 * One measurement, as benchmark.json stores it. A scenario measures only some of these figures; the others stay
 * {@link #NOT_MEASURED}. A scenario names what it measured through a {@link Builder}, a group of figures at a time,
 * so no call site lists 21 values in order.
 */
public record Result(
        String target,
        String scenario,
        int run,
        int clients,
        double deliveriesPerSecond,
        double p50Millis,
        double p99Millis,
        double maxMillis,
        long lost,
        long outOfOrder,
        double serverCpuPercent,
        double rssPerConnectionKiB,
        double heapPerConnectionKiB,
        double threads,
        double connectSeconds,
        double otherCpuPercent,
        double cpuMicrosPerDelivery,
        double rssMiB,
        double heapMiB,
        double switchesPerDelivery,
        double kernelPercent,
        double loadMicrosPerDelivery,
        double loadCpuPercent) {

    /** A figure the scenario did not measure (or a Node server could not report). */
    public static final double NOT_MEASURED = -1;

    static Builder of(String target, String scenario, int run, int clients) {
        return new Builder(target, scenario, run, clients);
    }

    /** The figures of one scenario run, set a group at a time; the rest stay {@link #NOT_MEASURED}. */
    static final class Builder {
        private final String target;
        private final String scenario;
        private final int run;
        private final int clients;
        private double deliveriesPerSecond = NOT_MEASURED;
        private double p50Millis = NOT_MEASURED;
        private double p99Millis = NOT_MEASURED;
        private double maxMillis = NOT_MEASURED;
        private long lost;
        private long outOfOrder;
        private double serverCpuPercent = NOT_MEASURED;
        private double rssPerConnectionKiB = NOT_MEASURED;
        private double heapPerConnectionKiB = NOT_MEASURED;
        private double threads = NOT_MEASURED;
        private double connectSeconds = NOT_MEASURED;
        private double otherCpuPercent = NOT_MEASURED;
        private double cpuMicrosPerDelivery = NOT_MEASURED;
        private double rssMiB = NOT_MEASURED;
        private double heapMiB = NOT_MEASURED;
        private double switchesPerDelivery = NOT_MEASURED;
        private double kernelPercent = NOT_MEASURED;
        private double loadMicrosPerDelivery = NOT_MEASURED;
        private double loadCpuPercent = NOT_MEASURED;

        private Builder(String target, String scenario, int run, int clients) {
            this.target = target;
            this.scenario = scenario;
            this.run = run;
            this.clients = clients;
        }

        /** A fan-out: its rate, its latency percentiles, and what the receivers found missing or reordered. */
        Builder delivery(Load.FanOut f) {
            deliveriesPerSecond = f.deliveriesPerSecond();
            p50Millis = f.p50Millis();
            p99Millis = f.p99Millis();
            maxMillis = f.maxMillis();
            lost = f.lost();
            outOfOrder = f.outOfOrder();
            return this;
        }

        /** The server's CPU per delivery, the kernel's share of it, and context switches per delivery. */
        Builder cost(double microsPerDelivery, double kernel, double switches) {
            cpuMicrosPerDelivery = microsPerDelivery;
            kernelPercent = kernel;
            switchesPerDelivery = switches;
            return this;
        }

        /**
         * The load generator's own CPU (this JVM: the clients, their parsing and the tally) per delivery, and as a
         * percentage of one core over the run, to be read beside the server's.
         */
        Builder load(double microsPerDelivery, double percentOfCore) {
            loadMicrosPerDelivery = microsPerDelivery;
            loadCpuPercent = percentOfCore;
            return this;
        }

        /** The server process's whole memory at the end: RSS, and the heap in use for a Java server. */
        Builder memory(double rss, double heap) {
            rssMiB = rss;
            heapMiB = heap;
            return this;
        }

        /** Memory per idle connection over the empty server, the model's threads, and how long connecting took. */
        Builder perConnection(double rssKiB, double heapKiB, double modelThreads, double seconds) {
            rssPerConnectionKiB = rssKiB;
            heapPerConnectionKiB = heapKiB;
            threads = modelThreads;
            connectSeconds = seconds;
            return this;
        }

        /** The server's CPU while nobody talks. */
        Builder idleCpu(double percent) {
            serverCpuPercent = percent;
            return this;
        }

        /** The CPU everything else on the machine used meanwhile (the load generator included). */
        Builder otherCpu(double percent) {
            otherCpuPercent = percent;
            return this;
        }

        Result build() {
            return new Result(
                    target,
                    scenario,
                    run,
                    clients,
                    deliveriesPerSecond,
                    p50Millis,
                    p99Millis,
                    maxMillis,
                    lost,
                    outOfOrder,
                    serverCpuPercent,
                    rssPerConnectionKiB,
                    heapPerConnectionKiB,
                    threads,
                    connectSeconds,
                    otherCpuPercent,
                    cpuMicrosPerDelivery,
                    rssMiB,
                    heapMiB,
                    switchesPerDelivery,
                    kernelPercent,
                    loadMicrosPerDelivery,
                    loadCpuPercent);
        }
    }
}
