using System.Collections.Immutable;

namespace Tessera.Evaluation;

/// <summary>Energy split by where it is spent, in joules.</summary>
public sealed record EnergyBreakdown(double ComputeJ, double OnChipMemoryJ, double OffChipMemoryJ, double InterconnectJ, double StaticJ)
{
    public static readonly EnergyBreakdown Zero = new(0, 0, 0, 0, 0);

    public double TotalJ => ComputeJ + OnChipMemoryJ + OffChipMemoryJ + InterconnectJ + StaticJ;

    public static EnergyBreakdown operator +(EnergyBreakdown a, EnergyBreakdown b) => new(
        a.ComputeJ + b.ComputeJ, a.OnChipMemoryJ + b.OnChipMemoryJ, a.OffChipMemoryJ + b.OffChipMemoryJ,
        a.InterconnectJ + b.InterconnectJ, a.StaticJ + b.StaticJ);
}

/// <summary>One model of a scenario with the graph built at its batch size.</summary>
public sealed record ModelInstance(string Label, Workloads.ModelGraph Graph, int Batch);

/// <summary>Where and when one operator ran, and what it cost.</summary>
public sealed record OperatorPlacement(
    string Model, string Operator, string OpType, string Chiplet, string Core,
    double StartSeconds, double EndSeconds, long Macs, double Utilisation, string BoundBy, EnergyBreakdown Energy);

/// <summary>Totals for one model of the scenario: its latency runs from time zero to its last operator's end.</summary>
public sealed record ModelResult(string Model, int Batch, long Macs, double LatencySeconds, EnergyBreakdown Energy)
{
    public double Edp => Energy.TotalJ * LatencySeconds;
}

/// <summary>The evaluation of a scenario on a package: latency is the makespan, EDP = energy × latency.</summary>
public sealed record EvaluationResult(
    string Scenario, string Hardware, string CostModel, double LatencySeconds, EnergyBreakdown Energy,
    ImmutableArray<ModelResult> Models, ImmutableArray<OperatorPlacement> Placements)
{
    public double Edp => Energy.TotalJ * LatencySeconds;
}
