package fivechats.race;

import fivechats.channelhub.ChannelHub;
import fivechats.transport.ChatModel;

// snippet:contract-subclass
/** The channel-hub model against the whole contract. */
class ChannelHubContractTest extends ChatContract {
    @Override
    public ChatModel newModel() {
        return new ChannelHub(ChannelHub.DEFAULT_SEND_QUEUE);
    }
}
// end-snippet
