package fivechats.grader;

import fivechats.race.ChatContract;
import fivechats.race.SlowClientPolicy;
import fivechats.transport.ChatModel;

/** The whole contract kit, against the graded model. */
class GradedContractTest extends ChatContract {
    @Override
    public ChatModel newModel() {
        return GradedModel.create();
    }

    @Override
    public SlowClientPolicy slowClientPolicy() {
        return GradedModel.slowClientPolicy();
    }
}
