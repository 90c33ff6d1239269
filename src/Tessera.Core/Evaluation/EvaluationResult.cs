using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Tessera.Scoring;

namespace Tessera.Evaluation;

/// <summary>Where and when one operator ran, and what it cost.</summary>
public sealed record OperatorPlacement(
    string Model, string Operator, string OpType, string Chiplet, string Core,
    double StartSeconds, double EndSeconds, long Macs, double Utilisation, string BoundBy, EnergyBreakdown Energy);

/// <summary>
/// Totals for one model of the scenario: its latency runs from time zero to its last task's end. A pipelined
/// model reports its steady-state throughput in mini-batches per second once the pipeline has filled.
/// </summary>
public sealed record ModelResult(string Model, int Batch, long Macs, double LatencySeconds, EnergyBreakdown Energy)
{
    [JsonIgnore]
    public Metrics Metrics => new(LatencySeconds, Energy);

    public double Edp => Metrics.Edp;

    public int MiniBatches { get; init; } = 1;

    /// <summary>Mini-batches per second after the pipeline fills; 1 / latency for a single batch.</summary>
    public double ThroughputPerSecond { get; init; }
}

/// <summary>What kind of resource a simulator track is.</summary>
public enum ResourceKind { Core, Link, Dram, Memory }

/// <summary>
/// How busy one resource was: busy time, its share of the makespan, and the time tasks spent waiting for it
/// (a task's waiting is charged to the last resource that held it back).
/// </summary>
public sealed record ResourceUsage(string Name, ResourceKind Kind, int Tasks, double BusySeconds, double Utilisation, double WaitingSeconds);

/// <summary>On-chip memory occupancy of one core over time: a step series (bytes from each time on).</summary>
public sealed record MemoryOccupancy(string Core, long CapacityBytes, long PeakBytes,
    ImmutableArray<double> TimesSeconds, ImmutableArray<long> Bytes);

/// <summary>The evaluation of a scenario on a package: latency is the makespan, EDP = energy × latency.</summary>
public sealed record EvaluationResult(
    string Scenario, string Hardware, string CostModel, double LatencySeconds, EnergyBreakdown Energy,
    ImmutableArray<ModelResult> Models, ImmutableArray<OperatorPlacement> Placements)
{
    [JsonIgnore]
    public Metrics Metrics => new(LatencySeconds, Energy);

    public double Edp => Metrics.Edp;

    /// <summary>lbl, fused, pipelined or tp.</summary>
    public string Partition { get; init; } = "lbl";

    /// <summary>False when the simulator gave every resource infinite parallelism (the dependency-only critical path).</summary>
    public bool Contention { get; init; } = true;

    public int Tasks { get; init; }

    /// <summary>Remarks on how the schedule was chosen (e.g. a fixed rule standing in for an allocation search).</summary>
    public ImmutableArray<string> Notes { get; init; } = [];

    /// <summary>Time tasks spent ready but held back by a busy resource or full memory, summed over tasks.</summary>
    public double WaitingSeconds { get; init; }

    /// <summary>Waiting along the dependency chain that ends last: with it removed, the makespan would shrink by this much.</summary>
    public double CriticalPathWaitingSeconds { get; init; }

    /// <summary>Bytes read from and written to off-chip memory devices, spills included.</summary>
    public double DramBytes { get; init; }

    /// <summary>Bytes moved chiplet to chiplet by transfer tasks.</summary>
    public double TransferBytes { get; init; }

    /// <summary>Bytes that did not fit in a core's on-chip memory and went to DRAM and back.</summary>
    public long SpilledBytes { get; init; }

    public ImmutableArray<ResourceUsage> Resources { get; init; } = [];

    public ImmutableArray<MemoryOccupancy> Memory { get; init; } = [];
}
