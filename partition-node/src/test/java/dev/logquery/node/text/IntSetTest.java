package dev.logquery.node.text;

import dev.logquery.common.scan.IntSet;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IntSetTest {

    @Test
    void behavesAsASetOfNonNegativeIntsAcrossGrowth() {
        Random r = new Random(7);
        IntSet set = new IntSet(1);
        Set<Integer> reference = new HashSet<>();
        for (int i = 0; i < 50_000; i++) {
            int v = r.nextInt(1 << 21);
            assertThat(set.add(v)).isEqualTo(reference.add(v));
        }
        assertThat(set.size()).isEqualTo(reference.size());
        for (int i = 0; i < 10_000; i++) {
            int v = r.nextInt(1 << 21);
            assertThat(set.contains(v)).isEqualTo(reference.contains(v));
        }
        assertThat(set.toArray()).hasSize(reference.size()).containsOnly(
                reference.stream().mapToInt(Integer::intValue).toArray());
        assertThat(set.contains(0)).isEqualTo(reference.contains(0));
        set.add(0);
        assertThat(set.contains(0)).isTrue();
    }
}
