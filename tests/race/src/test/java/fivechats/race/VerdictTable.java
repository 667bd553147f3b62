package fivechats.race;

import fivechats.channelhub.ChannelHub;
import fivechats.mutexmap.MutexMap;
import fivechats.pollingloop.PollingLoop;
import fivechats.threadperconnection.ThreadPerConnection;
import fivechats.transport.ChatModel;
import fivechats.workerpool.WorkerPool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;

/**
 * The expected verdicts: one table, the single source of truth. {@link VerdictScenariosTest} and the contract
 * tests assert every cell; {@link VerdictMatrixTest} renders it as {@code tutorial/verdicts.md} and fails when the
 * committed file is stale. Change a verdict here, and the tests tell you whether the code agrees.
 */
final class VerdictTable {
    private VerdictTable() {}

    /** Two writes to one connection at once. */
    enum Writes {
        SAFE("safe: one write at a time per connection"),
        OVERLAP("overlapping writes: the transport's detector refuses the second writer, lines are lost");

        final String text;

        Writes(String text) {
            this.text = text;
        }
    }

    /** What Jetty alone does with the model's writes when the detector only reports (a client stuck, senders flooding). */
    enum Jetty {
        NONE("one send at a time: nothing for Jetty to refuse"),
        QUEUED("overlapping sends, never more than Jetty's bound: Jetty queues them, nothing lost (it breaks only by"
                + " order)"),
        REFUSED("Jetty's WritePendingException: more sends at once than maxOutgoingFrames (8), lines lost");

        final String text;

        Jetty(String text) {
            this.text = text;
        }
    }

    /** One sender's lines, as every receiver sees them. */
    enum Order {
        IN_ORDER("in order"),
        REORDERED("reordered: a later line overtakes an earlier one");

        final String text;

        Order(String text) {
            this.text = text;
        }
    }

    /** A storm of joins, then a client that dies (its write times out) while others broadcast. */
    enum Churn {
        OK("stays right; the chat goes on"),
        CORRUPTED("corrupted HashMap: a registration is lost, or a reader dies walking the map while others join"),
        DEADLOCK("deadlock: a reader removes under the read lock it holds; the chat freezes");

        final String text;

        Churn(String text) {
            this.text = text;
        }
    }

    /**
     * One model variant and what it is expected to do.
     *
     * @param model        the module name
     * @param variant      the {@code --variant} (or the only form)
     * @param factory      builds the variant as the scenarios run it
     * @param orderFactory builds it for the order scenario (the worker pool's slow worker makes reordering certain)
     * @param jetty        what Jetty alone does with its writes, the detector only reporting
     * @param contract     the contract test class that runs the whole kit on it, or null (naive variants)
     * @param threads      model threads started for n connected clients (alive, or dead if the model broke)
     * @param threadsText  the same, as the matrix shows it
     * @param jcstress     the jcstress tests (in tests/jcstress) of this variant's shared state
     */
    record Row(
            String model,
            String variant,
            Supplier<ChatModel> factory,
            Supplier<ChatModel> orderFactory,
            Writes writes,
            Jetty jetty,
            Order order,
            Churn churn,
            Class<? extends ChatContract> contract,
            SlowClientPolicy slowClient,
            IntUnaryOperator threads,
            String threadsText,
            List<String> jcstress) {
        String id() {
            return model + " " + variant;
        }

        @Override
        public String toString() {
            return id();
        }
    }

    /** Every fixed model: the variants the contract kit runs (the browser and cluster tests run them too). */
    static java.util.stream.Stream<Row> fixedModels() {
        return ROWS.stream().filter(r -> r.contract() != null);
    }

    /**
     * Defects of fixed forms that were observed from outside and are not repaired yet: the matrix prints them under the
     * table, so no cell promises more than the code keeps. Remove a line when its repair lands with its test.
     */
    static final Map<String, String> KNOWN_DEFECTS = new TreeMap<>(Map.of());

    /** Worker 0 pauses this long per task in the order scenario: a later task always overtakes it if it can. */
    static final Duration SLOW_WORKER = Duration.ofMillis(30);

    static final List<Row> ROWS = List.of(
            new Row(
                    "polling-loop",
                    "single",
                    () -> new PollingLoop(PollingLoop.Idle.BACKOFF),
                    null,
                    Writes.SAFE,
                    Jetty.NONE,
                    Order.IN_ORDER,
                    Churn.OK,
                    PollingLoopContractTest.class,
                    SlowClientPolicy.DROPPED_AFTER_WRITE_WAIT,
                    n -> 1,
                    "1",
                    List.of("fivechats.pollingloop.Confinement_01_AcceptDuringPass.Loop")),
            new Row(
                    "thread-per-connection",
                    "naive",
                    () -> new ThreadPerConnection.Naive(ThreadPerConnection.Threads.VIRTUAL),
                    null,
                    Writes.OVERLAP,
                    Jetty.REFUSED,
                    Order.IN_ORDER,
                    Churn.CORRUPTED,
                    null,
                    null,
                    n -> n,
                    "n",
                    List.of(
                            "fivechats.threadperconnection.Registry_01_Join.BrokenHashMap",
                            "fivechats.threadperconnection.Registry_02_BroadcastWhileJoin.BrokenHashMap",
                            "fivechats.threadperconnection.Overlap_01_TwoReaders.Naive")),
            new Row(
                    "thread-per-connection",
                    "fixed",
                    () -> new ThreadPerConnection.Fixed(ThreadPerConnection.Threads.VIRTUAL, 256),
                    null,
                    Writes.SAFE,
                    Jetty.NONE,
                    Order.IN_ORDER,
                    Churn.OK,
                    ThreadPerConnectionContractTest.class,
                    SlowClientPolicy.EVICTED_WITH_1008,
                    n -> 2 * n,
                    "2n",
                    List.of(
                            "fivechats.threadperconnection.Registry_01_Join.ConcurrentMap",
                            "fivechats.threadperconnection.Registry_02_BroadcastWhileJoin.ConcurrentMap",
                            "fivechats.threadperconnection.Overlap_01_TwoReaders.Fixed",
                            "fivechats.transport.Close_01_OfferWhileFinish.Offer")),
            new Row(
                    "worker-pool",
                    "naive",
                    () -> new WorkerPool(WorkerPool.Variant.NAIVE, 4, Duration.ZERO),
                    () -> new WorkerPool(WorkerPool.Variant.NAIVE, 2, SLOW_WORKER),
                    Writes.OVERLAP,
                    Jetty.QUEUED,
                    Order.REORDERED,
                    Churn.OK,
                    null,
                    null,
                    n -> n + 4,
                    "n + 4",
                    List.of(
                            "fivechats.workerpool.Overlap_02_TwoWorkers.Naive",
                            "fivechats.workerpool.Order_01_OneSender.Naive")),
            new Row(
                    "worker-pool",
                    "locked",
                    () -> new WorkerPool(WorkerPool.Variant.LOCKED, 4, Duration.ZERO),
                    () -> new WorkerPool(WorkerPool.Variant.LOCKED, 2, SLOW_WORKER),
                    Writes.SAFE,
                    Jetty.NONE,
                    Order.REORDERED,
                    Churn.OK,
                    null,
                    null,
                    n -> n + 4,
                    "n + 4",
                    List.of(
                            "fivechats.workerpool.Overlap_02_TwoWorkers.Locked",
                            "fivechats.workerpool.Order_01_OneSender.Locked")),
            new Row(
                    "worker-pool",
                    "fixed",
                    () -> new WorkerPool(WorkerPool.Variant.FIXED, 4, Duration.ZERO),
                    () -> new WorkerPool(WorkerPool.Variant.FIXED, 2, SLOW_WORKER),
                    Writes.SAFE,
                    Jetty.NONE,
                    Order.IN_ORDER,
                    Churn.OK,
                    WorkerPoolContractTest.class,
                    SlowClientPolicy.EVICTED_WITH_1008,
                    n -> n + 4,
                    "n + 4",
                    List.of(
                            "fivechats.workerpool.Overlap_02_TwoWorkers.Fixed",
                            "fivechats.workerpool.Order_01_OneSender.Fixed",
                            "fivechats.workerpool.Welcome_01_JoinWhileBroadcast.Fixed")),
            new Row(
                    "channel-hub",
                    "single",
                    () -> new ChannelHub(256),
                    null,
                    Writes.SAFE,
                    Jetty.NONE,
                    Order.IN_ORDER,
                    Churn.OK,
                    ChannelHubContractTest.class,
                    SlowClientPolicy.EVICTED_WITH_1008,
                    n -> 2 * n + 1,
                    "2n + 1",
                    List.of(
                            "fivechats.channelhub.Handoff_01_RegisterWhileBroadcast.Hub",
                            "fivechats.transport.Close_01_OfferWhileFinish.Offer")),
            new Row(
                    "mutex-map",
                    "naive",
                    MutexMap.Naive::new,
                    null,
                    Writes.OVERLAP,
                    Jetty.REFUSED,
                    Order.IN_ORDER,
                    Churn.DEADLOCK,
                    null,
                    null,
                    n -> n,
                    "n",
                    List.of("fivechats.mutexmap.Overlap_03_ReadLock.Naive")),
            new Row(
                    "mutex-map",
                    "fixed",
                    () -> new MutexMap.Fixed(256),
                    null,
                    Writes.SAFE,
                    Jetty.NONE,
                    Order.IN_ORDER,
                    Churn.OK,
                    MutexMapContractTest.class,
                    SlowClientPolicy.EVICTED_WITH_1008,
                    n -> 2 * n,
                    "2n",
                    List.of(
                            "fivechats.mutexmap.Overlap_03_ReadLock.Fixed",
                            "fivechats.mutexmap.Presence_01_JoinWhileLeave.Fixed")));
}
