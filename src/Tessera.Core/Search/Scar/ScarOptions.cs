using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Scoring;

namespace Tessera.Search.Scar;

/// <summary>How chiplets are shared between the models of a time window.</summary>
public enum Provisioning
{
    /// <summary>One split: chiplets in proportion to each model's expected latency in the window (SCAR's default).</summary>
    Proportional,

    /// <summary>Every split of the chiplets into one positive count per model (the compositions of the chiplet count).</summary>
    Exhaustive,
}

/// <summary>
/// Settings of the multi-model scheduler after SCAR (Odema et al., MICRO 2024). Defaults: <see cref="Splits"/> 4
/// (five windows) and the evolutionary placement's population 10 and 4 generations are SCAR's; the rest are
/// Tessera's choices that keep a run to seconds. <see cref="LatencyLimits"/> bound a model's latency (seconds, by
/// model label); <see cref="NodeCap"/> caps the chiplets a model may span in one window; placement is exhaustive on
/// packages of at most <see cref="ExhaustiveChiplets"/> chiplets and evolutionary above. The kept segmentations
/// combine into at most <see cref="CombinationLimit"/> candidates per provisioning and objective (every combination
/// up to three models at top-k 3; with more models the best-ranked ones). With <see cref="EnforceLimits"/> false an
/// unmet limit is no error: the schedule still minimises the violation first and <see cref="ScarResult.Models"/>
/// shows each model's latency against its limit (deadline reports). <see cref="MiniBatches"/> even parts pipeline a model
/// without a mini-batch size of its own (<see cref="Workloads.ModelInstance.MiniBatchSize"/>); <see cref="Layers"/> is
/// what windows and segments are cut between.
/// </summary>
public sealed record ScarOptions(
    int Splits = 4,
    int TopK = 3,
    Provisioning Provisioning = Provisioning.Proportional,
    Objective? Objective = null,
    ImmutableDictionary<string, double>? LatencyLimits = null,
    int MiniBatches = 1,
    int? NodeCap = null,
    int Seed = 1,
    int ExhaustiveChiplets = 16,
    int Population = 10,
    int Generations = 4,
    int SegmentationsPerCount = 24,
    int EnumerationLimit = 2048,
    int PathLimit = 50_000,
    int CombinationLimit = 27,
    bool EnforceLimits = true,
    LayerView Layers = LayerView.Operators)
{
    /// <summary>The objective, EDP unless given.</summary>
    public Objective Goal => Objective ?? Objective.Edp;

    /// <summary>Throws a <see cref="TesseraInputException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        static void Need(bool ok, string what) { if (!ok) throw new TesseraInputException(what); }
        Need(Splits >= 0, $"n-splits {Splits}; expected 0 or more");
        Need(TopK >= 1, $"top-k {TopK}; expected at least 1");
        Need(MiniBatches >= 1, $"mini-batches {MiniBatches}; expected a positive count");
        Need(NodeCap is null or >= 1, $"node cap {NodeCap}; expected at least 1 chiplet");
        Need(Population >= 2, $"population {Population}; expected at least 2");
        Need(Generations >= 0, $"generations {Generations}; expected 0 or more");
        Need(SegmentationsPerCount >= 1, $"segmentations per count {SegmentationsPerCount}; expected at least 1");
        Need(EnumerationLimit >= 1 && PathLimit >= 1 && CombinationLimit >= 1, "enumeration, path and combination limits must be positive");
        foreach (var (model, limit) in LatencyLimits ?? ImmutableDictionary<string, double>.Empty)
            Need(limit > 0 && double.IsFinite(limit), $"latency limit {limit} s for {model}; expected a positive number of seconds");
    }
}
