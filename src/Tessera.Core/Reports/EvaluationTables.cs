using System.Collections.Immutable;
using Tessera.Evaluation;

namespace Tessera.Reports;

/// <summary>An evaluation's metrics and tables (per model, energy by part, per resource), as the CLI prints and the store keeps them.</summary>
public static class EvaluationTables
{
    /// <summary>The scenario's totals, one metric each.</summary>
    public static ImmutableArray<Metric> Metrics(EvaluationResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var e = r.Energy;
        return
        [
            new("latency", r.LatencySeconds, ValueKind.Seconds), new("energy", e.TotalJ, ValueKind.Joules), new("edp", r.Edp, ValueKind.JouleSeconds),
            new("energy_compute", e.ComputeJ, ValueKind.Joules), new("energy_on_chip_memory", e.OnChipMemoryJ, ValueKind.Joules),
            new("energy_off_chip_memory", e.OffChipMemoryJ, ValueKind.Joules), new("energy_interconnect", e.InterconnectJ, ValueKind.Joules),
            new("energy_static", e.StaticJ, ValueKind.Joules), new("macs", r.Models.Sum(m => (double)m.Macs), ValueKind.Count),
            new("tasks", r.Tasks, ValueKind.Count), new("waiting", r.WaitingSeconds, ValueKind.Seconds),
            new("critical_path_waiting", r.CriticalPathWaitingSeconds, ValueKind.Seconds), new("dram_bytes", r.DramBytes, ValueKind.Bytes),
            new("transfer_bytes", r.TransferBytes, ValueKind.Bytes), new("spilled_bytes", r.SpilledBytes, ValueKind.Bytes),
        ];
    }

    /// <summary>Models (with the scenario's total last), energy by part, resources.</summary>
    public static ImmutableArray<ResultTable> Tables(EvaluationResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        // Inferences per second: mini-batches per second (steady state once a pipeline fills) times samples per mini-batch.
        var models = new ResultTable("models", "", [new("model", ValueKind.Text), new("batch", ValueKind.Count), new("mini-batches", ValueKind.Count),
                new("MACs", ValueKind.Count), new("latency", ValueKind.Seconds), new("inferences/s", ValueKind.Count),
                new("energy", ValueKind.Joules), new("EDP", ValueKind.JouleSeconds)],
            [
                .. r.Models.Select(m => ImmutableArray.Create<ResultValue>(m.Model, m.Batch, m.MiniBatches, m.Macs, m.LatencySeconds,
                    m.ThroughputPerSecond * m.Batch / m.MiniBatches, m.Energy.TotalJ, m.Edp)),
                [(ResultValue)"scenario", "", "", r.Models.Sum(m => (double)m.Macs), r.LatencySeconds, "", r.Energy.TotalJ, r.Edp],
            ], []);
        var e = r.Energy;
        var energy = new ResultTable("energy", "", [new("part", ValueKind.Text), new("energy", ValueKind.Joules), new("share", ValueKind.Ratio)],
            [.. new[] { ("compute", e.ComputeJ), ("on-chip memory", e.OnChipMemoryJ), ("off-chip memory", e.OffChipMemoryJ),
                ("die-to-die / NoP", e.InterconnectJ), ("static", e.StaticJ) }
                .Select(p => ImmutableArray.Create<ResultValue>(p.Item1, p.Item2, e.TotalJ > 0 ? p.Item2 / e.TotalJ : double.NaN))], []);
        var resources = new ResultTable("resources", "", [new("resource", ValueKind.Text), new("kind", ValueKind.Text), new("tasks", ValueKind.Count),
                new("busy", ValueKind.Seconds), new("utilisation", ValueKind.Ratio), new("waited for", ValueKind.Seconds)],
            [.. r.Resources.Select(u => ImmutableArray.Create<ResultValue>(u.Name, u.Kind.ToString().ToLowerInvariant(), u.Tasks, u.BusySeconds, u.Utilisation, u.WaitingSeconds))],
            r.Notes);
        return [models, energy, resources];
    }
}
