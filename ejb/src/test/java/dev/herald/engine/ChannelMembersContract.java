package dev.herald.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.ChannelPresence;
import dev.herald.engine.ChannelMembers.Joined;
import dev.herald.engine.ChannelMembers.Left;
import dev.herald.engine.ChannelMembers.Member;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What every store of channel memberships must do; run against memory and Redis. */
abstract class ChannelMembersContract {

    /** The memberships under test, empty. */
    abstract ChannelMembers members();

    private static Member m(String node, String channel, String user, String session) {
        return new Member(node, channel, user, session);
    }

    @Test
    void aUsersFirstSessionJoinsAndTheirLastLeaves() {
        ChannelMembers c = members();
        assertEquals(Joined.FIRST, c.join(m("n1", "room:a", "alice", "n1.1"), 1000, 0).joined());
        assertEquals(Joined.MORE, c.join(m("n2", "room:a", "alice", "n2.1"), 1000, 0).joined());
        assertEquals(Joined.ALREADY, c.join(m("n2", "room:a", "alice", "n2.1"), 1000, 0).joined());
        ChannelMembers.Join bob = c.join(m("n2", "room:a", "bob", "n2.2"), 1000, 0);
        assertEquals(Joined.FIRST, bob.joined());
        assertEquals(2, bob.users());
        assertEquals(new ChannelPresence("room:a", List.of("alice", "bob"), 2, 3, null), c.read("room:a", null, 10));

        assertFalse(c.leave(m("n1", "room:a", "alice", "n1.1"), 1000, 0).last());
        ChannelMembers.Leave last = c.leave(m("n2", "room:a", "?", "n2.1"), 1000, 0);
        assertTrue(last.last(), "the user is taken from the record");
        assertEquals(1, last.users());
        assertFalse(c.leave(m("n2", "room:a", "alice", "n2.1"), 1000, 0).last(), "a second leave changes nothing");
        assertEquals(new ChannelPresence("room:a", List.of("bob"), 1, 1, null), c.read("room:a", null, 10));
        assertEquals(new ChannelPresence("room:b", List.of(), 0, 0, null), c.read("room:b", null, 10));
    }

    @Test
    void channelsAreApart() {
        ChannelMembers c = members();
        c.join(m("n1", "room:a", "alice", "n1.1"), 0, 0);
        assertEquals(Joined.FIRST, c.join(m("n1", "room:b", "alice", "n1.1"), 0, 0).joined());
        c.leave(m("n1", "room:a", "alice", "n1.1"), 0, 0);
        assertEquals(List.of("alice"), c.read("room:b", null, 10).users());
        assertEquals(0, c.read("room:a", null, 10).sessions());
    }

    @Test
    void usersComeInPagesInIdOrderAndTheCountsAreWhole() {
        ChannelMembers c = members();
        for (String user : List.of("dave", "bob", "erin", "alice", "carol")) {
            c.join(m("n1", "big", user, "n1." + user), 0, 0);
        }
        c.join(m("n2", "big", "bob", "n2.bob"), 0, 0);
        ChannelPresence first = c.read("big", null, 2);
        assertEquals(new ChannelPresence("big", List.of("alice", "bob"), 5, 6, "bob"), first);
        ChannelPresence second = c.read("big", first.next(), 2);
        assertEquals(List.of("carol", "dave"), second.users());
        ChannelPresence third = c.read("big", second.next(), 2);
        assertEquals(List.of("erin"), third.users());
        assertNull(third.next());
        assertEquals(List.of(), c.read("big", "erin", 2).users());
    }

    @Test
    void aUserBackWithinTheGraceRejoinsAndTheirLeaveDoesNotStand() {
        ChannelMembers c = members();
        c.join(m("n1", "room:a", "alice", "n1.1"), 1000, 2000);
        ChannelMembers.Leave leave = c.leave(m("n1", "room:a", "alice", "n1.1"), 1000, 2000);
        assertTrue(leave.last());
        assertEquals(0, c.read("room:a", null, 10).sessions(), "presence drops the session at once");
        assertEquals(Joined.REJOINED, c.join(m("n2", "room:a", "alice", "n2.1"), 1500, 2000).joined());
        assertFalse(c.confirmLeave("room:a", "alice", leave.stamp()), "she came back: no leave");
    }

    @Test
    void aLeaveWhoseGraceEndsWithoutTheUserStandsOnce() {
        ChannelMembers c = members();
        c.join(m("n1", "room:a", "alice", "n1.1"), 1000, 2000);
        ChannelMembers.Leave leave = c.leave(m("n1", "room:a", "alice", "n1.1"), 1000, 2000);
        assertTrue(c.confirmLeave("room:a", "alice", leave.stamp()));
        assertFalse(c.confirmLeave("room:a", "alice", leave.stamp()), "once only");
        assertEquals(Joined.FIRST, c.join(m("n1", "room:a", "alice", "n1.2"), 2000, 2000).joined(),
                "after a leave that stood, a join is announced");
    }

    @Test
    void aJoinAfterTheGraceIsAFirstJoin() {
        ChannelMembers c = members();
        c.join(m("n1", "room:a", "alice", "n1.1"), 1000, 2000);
        c.leave(m("n1", "room:a", "alice", "n1.1"), 1000, 2000);
        assertEquals(Joined.FIRST, c.join(m("n1", "room:a", "alice", "n1.2"), 3500, 2000).joined());
    }

    @Test
    void aDeadNodesMembershipsArePurgedWithTheLeavesTheyMake() {
        ChannelMembers c = members();
        c.join(m("n1", "room:a", "alice", "n1.1"), 0, 0);
        c.join(m("n1", "room:b", "alice", "n1.1"), 0, 0);
        c.join(m("n1", "room:a", "bob", "n1.2"), 0, 0);
        c.join(m("n2", "room:a", "bob", "n2.1"), 0, 0);
        assertEquals(3, c.membersOn("n1").size());
        assertEquals(Set.of("n1", "n2"), c.nodes());
        assertEquals(Set.of(new Left("room:a", "alice"), new Left("room:b", "alice")), Set.copyOf(c.purgeNode("n1")));
        assertEquals(Set.of("n2"), c.nodes());
        assertEquals(new ChannelPresence("room:a", List.of("bob"), 1, 1, null), c.read("room:a", null, 10));
        assertEquals(List.of(), c.membersOn("n1"));
        assertEquals(List.of(), c.purgeNode("n1"), "purging again finds nothing");
    }

    @Test
    void joinAllRestoresANodesMemberships() {
        ChannelMembers c = members();
        c.joinAll(List.of(m("n1", "room:a", "alice", "n1.1"), m("n1", "room:a", "bob", "n1.2")));
        c.joinAll(List.of(m("n1", "room:a", "alice", "n1.1")));
        assertEquals(new ChannelPresence("room:a", List.of("alice", "bob"), 2, 2, null), c.read("room:a", null, 10));
        assertEquals(Set.of(m("n1", "room:a", "alice", "n1.1"), m("n1", "room:a", "bob", "n1.2")),
                Set.copyOf(c.membersOn("n1")));
    }

    @Test
    void aClosingSessionLeavesAllItsChannelsAtOnce() {
        ChannelMembers c = members();
        for (String channel : List.of("room:a", "room:b", "room:c")) {
            c.join(m("n1", channel, "alice", "n1.1"), 0, 0);
        }
        c.join(m("n2", "room:b", "alice", "n2.1"), 0, 0);
        List<ChannelMembers.Leave> leaves = c.leaveAll(List.of(m("n1", "room:a", "alice", "n1.1"),
                m("n1", "room:b", "alice", "n1.1"), m("n1", "room:c", "alice", "n1.1")), 1000, List.of(0, 0, 500));
        assertEquals(List.of(true, false, true), leaves.stream().map(ChannelMembers.Leave::last).toList());
        assertNull(leaves.get(0).stamp(), "no grace, no stamp");
        assertTrue(c.confirmLeave("room:c", "alice", leaves.get(2).stamp()));
        assertEquals(List.of(), c.membersOn("n1"));
        assertEquals(1, c.read("room:b", null, 10).sessions());
    }
}
