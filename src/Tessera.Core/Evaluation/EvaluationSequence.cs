using System.Collections.Immutable;
using Tessera.Scoring;

namespace Tessera.Evaluation;

/// <summary>
/// Phases simulated one after another with a package-wide barrier between them (SCAR's time windows) as one
/// evaluation: latency and energy add; a model ends where it ends in the last phase it takes part in; placements and
/// memory occupancy are shifted to the phase's start; resources add up their tasks, busy and waiting time.
/// </summary>
public static class EvaluationSequence
{
    public static EvaluationResult Of(string scenario, IReadOnlyList<EvaluationResult> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        if (phases.Count == 0) throw new ArgumentException("a sequence needs at least one phase", nameof(phases));
        var offsets = new double[phases.Count];
        for (int p = 1; p < phases.Count; p++) offsets[p] = offsets[p - 1] + phases[p - 1].LatencySeconds;
        double latency = phases.Sum(p => p.LatencySeconds);
        var energy = phases.Aggregate(EnergyBreakdown.Zero, (e, p) => e + p.Energy);

        var models = phases.SelectMany(p => p.Models.Select(m => m.Model)).Distinct(StringComparer.Ordinal).Select(label =>
        {
            var own = phases.Select((p, i) => (Result: p.Models.FirstOrDefault(m => m.Model == label), Offset: offsets[i]))
                .Where(x => x.Result is not null).ToList();
            var last = own[^1];
            double end = last.Offset + last.Result!.LatencySeconds;
            return new ModelResult(label, last.Result.Batch, own.Sum(x => x.Result!.Macs), end,
                own.Aggregate(EnergyBreakdown.Zero, (e, x) => e + x.Result!.Energy))
            {
                MiniBatches = last.Result.MiniBatches,
                ThroughputPerSecond = last.Result.MiniBatches / end,
            };
        }).ToImmutableArray();

        var placements = phases.SelectMany((p, i) => p.Placements.Select(o => o with { StartSeconds = o.StartSeconds + offsets[i], EndSeconds = o.EndSeconds + offsets[i] }));
        var resources = phases.SelectMany(p => p.Resources).GroupBy(r => r.Name, StringComparer.Ordinal).Select(g => new ResourceUsage(g.Key, g.First().Kind,
            g.Sum(r => r.Tasks), g.Sum(r => r.BusySeconds), latency > 0 ? g.Sum(r => r.BusySeconds) / latency : 0, g.Sum(r => r.WaitingSeconds)));
        var memory = phases.SelectMany((p, i) => p.Memory.Select(m => (Memory: m, Offset: offsets[i]))).GroupBy(m => m.Memory.Core, StringComparer.Ordinal)
            .Select(g => new MemoryOccupancy(g.Key, g.First().Memory.CapacityBytes, g.Max(m => m.Memory.PeakBytes),
                [.. g.SelectMany(m => m.Memory.TimesSeconds.Select(t => t + m.Offset))], [.. g.SelectMany(m => m.Memory.Bytes)]));

        var first = phases[0];
        return new EvaluationResult(scenario, first.Hardware, first.CostModel, latency, energy, models, [.. placements])
        {
            Partition = first.Partition,
            Contention = first.Contention,
            Tasks = phases.Sum(p => p.Tasks),
            WaitingSeconds = phases.Sum(p => p.WaitingSeconds),
            CriticalPathWaitingSeconds = phases.Sum(p => p.CriticalPathWaitingSeconds),
            DramBytes = phases.Sum(p => p.DramBytes),
            TransferBytes = phases.Sum(p => p.TransferBytes),
            SpilledBytes = phases.Sum(p => p.SpilledBytes),
            Resources = [.. resources],
            Memory = [.. memory],
        };
    }
}
