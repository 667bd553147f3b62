package fivechats.race;

import fivechats.threadperconnection.ThreadPerConnection;
import fivechats.transport.ChatModel;

/** Thread-per-connection, fixed, with a platform (OS) thread per reader: same contract, different cost. */
class ThreadPerConnectionPlatformContractTest extends ChatContract {
    @Override
    public ChatModel newModel() {
        return new ThreadPerConnection.Fixed(
                ThreadPerConnection.Threads.PLATFORM, ThreadPerConnection.Fixed.DEFAULT_SEND_QUEUE);
    }
}
