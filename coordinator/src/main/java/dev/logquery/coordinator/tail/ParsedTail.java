package dev.logquery.coordinator.tail;

import dev.logquery.coordinator.api.FieldProblem;
import java.util.List;

/** The outcome of reading the parameters of {@code GET /api/tail}: a request, or everything wrong with them. */
public sealed interface ParsedTail {

    record Valid(TailRequest request) implements ParsedTail {
    }

    record Invalid(List<FieldProblem> problems) implements ParsedTail {
        public Invalid {
            problems = List.copyOf(problems);
        }
    }
}
