package io.visionflow.async;

class MemoryAsyncStateTest extends AsyncStateContract {
    @Override
    protected AsyncState newState() {
        return new MemoryAsyncState();
    }
}
