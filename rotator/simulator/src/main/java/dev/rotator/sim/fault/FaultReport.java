package dev.rotator.sim.fault;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What became of one scenario fault, in simulated seconds since the simulation's start.
 *
 * @param kind the fault's kind, as in the scenario file
 * @param startedSeconds when the simulator switched it on (first disruptive action + the fault's
 *     startSeconds, at the next tick); null if the rotation never got that far
 * @param onsetSeconds when it first affected the cluster: the same as {@code startedSeconds}, except for
 *     the replacement faults, whose onset is the first Node that registered under them; null if it never
 *     affected anything
 * @param endSeconds when it was switched off; null while it is on (or never started)
 * @param deadlineSeconds the latest time a gate may take to act on it: onset + the report's grace (+ {@code
 *     policy.replacementTimeout} for replacementNotReady, which no one can tell from a slow boot earlier);
 *     null without an onset
 * @param detail what it did (members stopped, nodes turned NotReady, requests failed, ...)
 */
@JsonPropertyOrder({"kind", "startedSeconds", "onsetSeconds", "endSeconds", "deadlineSeconds", "detail"})
public record FaultReport(
    String kind,
    Double startedSeconds,
    Double onsetSeconds,
    Double endSeconds,
    Double deadlineSeconds,
    String detail) {}
