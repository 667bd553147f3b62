package fivechats.transport;

/** What the transport gives a model at start: where to report, and how to start threads that are counted. */
public record ModelContext(ChatMetrics metrics, ModelThreads threads, TransportConfig config) {}
