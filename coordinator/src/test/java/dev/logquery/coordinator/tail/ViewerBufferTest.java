package dev.logquery.coordinator.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ViewerBufferTest {

    final List<TailEvent> emitted = new ArrayList<>();

    /** Lines made once, so that each compares equal to itself only (a frame is compared by identity). */
    static final List<TailEvent> LINES = java.util.stream.IntStream.range(0, 1000)
            .mapToObj(i -> (TailEvent) new TailEvent.Frame(new byte[] {(byte) i})).toList();

    static TailEvent line(int i) {
        return LINES.get(i);
    }

    @Test
    void linesFitUntilTheBufferIsFullThenAreDroppedAndCounted() {
        ViewerBuffer buffer = new ViewerBuffer(3);
        for (int i = 0; i < 5; i++) {
            assertThat(buffer.offer(line(i), emitted::add)).isEqualTo(i < 3);
        }
        assertThat(emitted).containsExactly(line(0), line(1), line(2));
        assertThat(buffer.queued()).isEqualTo(3);
        assertThat(buffer.unannounced()).isEqualTo(2);
    }

    @Test
    void theAnnouncementTakesTheFirstFreeSlotAheadOfTheNextLine() {
        ViewerBuffer buffer = new ViewerBuffer(3);
        for (int i = 0; i < 5; i++) {
            buffer.offer(line(i), emitted::add);
        }
        buffer.delivered(); // one slot free: the announcement takes it, the next line is dropped too
        assertThat(buffer.offer(line(5), emitted::add)).isFalse();
        assertThat(emitted).containsExactly(line(0), line(1), line(2), new TailEvent.Dropped(2));
        assertThat(buffer.unannounced()).isEqualTo(1);
        buffer.delivered();
        buffer.delivered();
        assertThat(buffer.offer(line(6), emitted::add)).isTrue();
        assertThat(emitted.subList(4, 6)).containsExactly(new TailEvent.Dropped(1), line(6));
        assertThat(buffer.unannounced()).isZero();
        assertThat(buffer.queued()).isEqualTo(3);
    }

    @Test
    void dropsAreAnnouncedWithoutANewLineOnceThereIsRoom() {
        ViewerBuffer buffer = new ViewerBuffer(2);
        for (int i = 0; i < 10; i++) {
            buffer.offer(line(i), emitted::add);
        }
        buffer.announceDrops(emitted::add);
        assertThat(emitted).hasSize(2); // still full: nothing to announce with
        buffer.delivered();
        buffer.announceDrops(emitted::add);
        assertThat(emitted).last().isEqualTo(new TailEvent.Dropped(8));
        buffer.announceDrops(emitted::add);
        assertThat(emitted).hasSize(3); // announced once
    }

    @Test
    void everyOfferedLineIsEitherEmittedOrCountedInAnAnnouncement() {
        ViewerBuffer buffer = new ViewerBuffer(7);
        int offered = 0;
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < round % 11; i++) {
                buffer.offer(line(offered++), emitted::add);
            }
            for (int i = 0; i < round % 5 && buffer.queued() > 0; i++) {
                buffer.delivered();
            }
        }
        while (buffer.queued() > 0) {
            buffer.delivered();
        }
        buffer.announceDrops(emitted::add);
        long lines = emitted.stream().filter(e -> e instanceof TailEvent.Frame).count();
        long dropped = emitted.stream().filter(e -> e instanceof TailEvent.Dropped)
                .mapToLong(e -> ((TailEvent.Dropped) e).count()).sum();
        assertThat(dropped).isPositive();
        assertThat(lines + dropped).isEqualTo(offered);
    }

    @Test
    void aBufferHasRoomForALineAndAnAnnouncement() {
        assertThatThrownBy(() -> new ViewerBuffer(1)).isInstanceOf(IllegalArgumentException.class);
    }
}
