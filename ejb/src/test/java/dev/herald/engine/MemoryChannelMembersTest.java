package dev.herald.engine;

class MemoryChannelMembersTest extends ChannelMembersContract {

    @Override
    ChannelMembers members() {
        return new MemoryChannelMembers();
    }
}
