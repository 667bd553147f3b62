package fivechats.race;

import fivechats.threadperconnection.ThreadPerConnection;
import fivechats.transport.ChatModel;

/** Thread-per-connection, fixed (one writer per connection), virtual threads. */
class ThreadPerConnectionContractTest extends ChatContract {
    @Override
    public ChatModel newModel() {
        return new ThreadPerConnection.Fixed(
                ThreadPerConnection.Threads.VIRTUAL, ThreadPerConnection.Fixed.DEFAULT_SEND_QUEUE);
    }
}
