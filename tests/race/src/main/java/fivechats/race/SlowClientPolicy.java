package fivechats.race;

/** What a model promises about a client that stops reading; the contract's test 5 checks the promise made. */
public enum SlowClientPolicy {
    /** The model queues frames per client and, when a queue is full, closes that client with 1008. Nobody else waits. */
    EVICTED_WITH_1008,
    /**
     * The model has no queue: it waits on the stuck write, and so does everyone behind it, until the transport's
     * write deadline (writeWait) drops the client. Then the others carry on, having lost nothing.
     */
    DROPPED_AFTER_WRITE_WAIT
}
