using System.Collections.Immutable;
using Tessera.Evaluation;

namespace Tessera.Search.Scar;

/// <summary>One segment: operators [FirstOperator, FirstOperator + OperatorCount) of the whole model on a chiplet of a design and dataflow.</summary>
public sealed record ScarSegment(int FirstOperator, int OperatorCount, string FirstOperatorName, string LastOperatorName,
    string Chiplet, string Design, string Dataflow);

/// <summary>A model in a window: its layers, the chiplets provisioned to it, its segments and when it ended in the window.</summary>
public sealed record ScarModelPlan(string Model, LayerRange Layers, int Chiplets, ImmutableArray<ScarSegment> Segments, double EndSeconds);

/// <summary>A window of the chosen schedule with the simulator's latency and energy; <see cref="Candidates"/> were simulated for it.</summary>
public sealed record ScarWindow(int Index, ImmutableArray<ScarModelPlan> Models, double LatencySeconds, double EnergyJ, int Candidates,
    EvaluationResult Evaluation);

/// <summary>A model's latency over the scenario (start to its last window's end) and its limit, if any.</summary>
public sealed record ScarModelLatency(string Model, double LatencySeconds, double? LimitSeconds);

/// <summary>
/// The scheduler's outcome: the windows (package-wide barriers) with their segments, the scenario latency (Σ window
/// latencies), energy (Σ) and the objective's value — all from the simulator — and how much was simulated.
/// </summary>
public sealed record ScarResult(string Scenario, string Hardware, string Objective, double ObjectiveValue, double LatencySeconds,
    double EnergyJ, ImmutableArray<ScarWindow> Windows, ImmutableArray<ScarModelLatency> Models, int Simulations, double WallSeconds)
{
    public double Edp => LatencySeconds * EnergyJ;
}
