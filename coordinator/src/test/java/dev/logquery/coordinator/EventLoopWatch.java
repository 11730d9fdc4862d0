package dev.logquery.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;
import reactor.blockhound.BlockingOperationError;
import reactor.netty.http.HttpResources;

/**
 * BlockHound for the integration tests that run the coordinator and the partition nodes in one JVM
 * ({@link QueryPathIT}, {@link TailIT}): once installed, every blocking call on a non-blocking thread (an event
 * loop of the coordinator, the nodes or the clients) is recorded with its thread and stack, and fails. Failsafe
 * runs each test class in a JVM of its own (BlockHound, once installed, watches the whole JVM).
 */
final class EventLoopWatch {

    /** Blocking calls seen on non-blocking threads since the last {@link #takeBlockingCalls()}: thread, method, stack. */
    private static final List<String> BLOCKING_CALLS = new CopyOnWriteArrayList<>();

    private EventLoopWatch() {
    }

    /** Installs BlockHound (before the system starts) and checks that it watches the event loops. */
    static void install() throws InterruptedException {
        // Netty loads zstd's native library once, when its first HTTP decoder asks whether zstd is available,
        // which happens on an event loop: a one-time cost at the first request, done here beforehand.
        io.netty.handler.codec.compression.Zstd.isAvailable();
        BlockHound.install(builder -> builder
                // Netty 4.2's adaptive allocator takes a StampedLock for a few instructions when it adds a
                // magazine: synchronization, not waiting (a known false positive, netty/netty#14564, line/armeria#6344).
                .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines")
                .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free")
                // Cancelling a timer (a heartbeat, a timeout) takes the scheduler queue's lock to remove the task:
                // synchronization for a heap removal, not waiting (reactor/reactor-core#2004).
                .allowBlockingCallsInside("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue", "remove")
                .blockingMethodCallback(EventLoopWatch::record));
        assertWatching();
    }

    /** Keeps the thread, method and stack of a blocking call, then fails the call. */
    private static void record(BlockingMethod method) {
        StringBuilder where = new StringBuilder(Thread.currentThread().getName() + ": " + method);
        Arrays.stream(new Throwable().getStackTrace()).skip(2).limit(40)
                .forEach(frame -> where.append("\n    at ").append(frame));
        BLOCKING_CALLS.add(where.toString());
        throw new BlockingOperationError(method);
    }

    /**
     * A sleep on a server event loop must be reported, or an empty report would prove nothing. Expects no other
     * blocking call recorded, and leaves none.
     */
    static void assertWatching() throws InterruptedException {
        assertThat(takeBlockingCalls()).as("blocking calls on non-blocking threads before the check").isEmpty();
        CountDownLatch slept = new CountDownLatch(1);
        HttpResources.get().onServer(true).next().execute(() -> {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (BlockingOperationError expected) {
                // reported and recorded
            } finally {
                slept.countDown();
            }
        });
        assertThat(slept.await(10, TimeUnit.SECONDS)).isTrue();
        List<String> reported = takeBlockingCalls();
        assertThat(reported).as("BlockHound's report of a sleep on an event loop").hasSize(1);
        assertThat(reported.get(0)).contains("sleep");
    }

    /** The blocking calls recorded since the last call, which it forgets: each test answers for its own. */
    static synchronized List<String> takeBlockingCalls() {
        List<String> calls = new ArrayList<>(BLOCKING_CALLS);
        BLOCKING_CALLS.removeAll(calls);
        return calls;
    }
}
