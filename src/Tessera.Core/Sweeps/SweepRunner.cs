using System.Collections.Immutable;
using System.Runtime.ExceptionServices;
using Tessera.Diagnostics;
using Tessera.Reports;
using Tessera.Scenarios;

namespace Tessera.Sweeps;

/// <summary>A point's result: feasible with its metrics, or the reason it has no schedule; <see cref="Resumed"/> when a store already held it.</summary>
public sealed record SweepOutcome(SweepPoint Point, bool Feasible, string? Infeasible, ImmutableArray<Metric> Metrics, bool Resumed);

/// <summary>
/// Runs a sweep's points on several threads of one process and keeps each point in the result store in one transaction.
/// Points are stored in the sweep's order whatever order they finish in — a point waits until every earlier one is
/// stored — so a store is the same row for row at any number of jobs, and a rerun after a kill appends exactly the
/// rows the uninterrupted run would have. At most <see cref="WindowPerJob"/> × jobs points are taken and not yet stored:
/// what a kill can lose. Points a store already holds are not run again.
/// </summary>
public sealed class SweepRunner(ScenarioRunner runner)
{
    /// <summary>Points started but not yet stored, at most, per job: enough slack that one slow point does not idle the other jobs.</summary>
    private const int WindowPerJob = 2;

    /// <summary>
    /// Checks then runs <paramref name="points"/> (all of a sweep or one shard's) with <paramref name="jobs"/> threads. The
    /// store is checked and every point to run is prepared (hardware, models, settings against the scheduler) before
    /// any runs, so bad input stops the sweep with nothing written. <paramref name="manifest"/> says where each point came from.
    /// </summary>
    public ImmutableArray<SweepOutcome> Run(SweepSpec spec, ImmutableArray<SweepPoint> points, ResultStore? store, Func<SweepPoint, Manifest> manifest,
        int jobs, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(manifest);
        if (jobs < 1) throw new TesseraInputException($"--jobs {jobs}; expected at least 1");
        store?.CheckSweep(spec.Id);
        var done = store?.PointsOf(spec.Id) ?? [];
        var todo = points.Where(p => !done.Contains(p.Id)).ToImmutableArray();
        Check(todo, jobs);

        var outcomes = new SweepOutcome?[todo.Length];
        var finished = new (SweepOutcome Outcome, StoredRun Row)?[todo.Length];
        int next = 0, stored = 0;
        var gate = new object();
        jobs = Math.Min(jobs, Math.Max(1, todo.Length));
        using var window = new SemaphoreSlim(WindowPerJob * jobs);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        ExceptionDispatchInfo? failure = null;
        void Work()
        {
            try
            {
                while (true)
                {
                    window.Wait(stop.Token);
                    int i = Interlocked.Increment(ref next) - 1;
                    if (i >= todo.Length)
                    {
                        window.Release();
                        return;
                    }
                    var result = Evaluate(spec, todo[i], stop.Token);
                    lock (gate)
                    {
                        finished[i] = result;
                        // Store every point whose predecessors are all stored, in order; each frees a place in the window.
                        while (stored < todo.Length && finished[stored] is { } ready)
                        {
                            store?.Append(manifest(todo[stored]), ready.Row);
                            outcomes[stored] = ready.Outcome;
                            finished[stored] = null;
                            stored++;
                            window.Release();
                            progress?.Report((done.Count + stored) / (double)Math.Max(1, done.Count + todo.Length));
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellation.IsCancellationRequested)
            {
                // Another job failed; its error is the sweep's.
            }
            catch (Exception e)
            {
                lock (gate) failure ??= ExceptionDispatchInfo.Capture(e);
                stop.Cancel();
            }
        }
        Task.WaitAll([.. Enumerable.Range(0, jobs).Select(_ => Task.Factory.StartNew(Work, TaskCreationOptions.LongRunning))]);
        failure?.Throw();
        cancellation.ThrowIfCancellationRequested();

        var ran = todo.Zip(outcomes).ToDictionary(p => p.First.Id, p => p.Second!, StringComparer.Ordinal);
        // A point stored twice (two processes on one store) is read once: both rows hold the same point.
        var kept = done.IsEmpty ? [] : store!.List().Where(r => r.Sweep == spec.Id).GroupBy(r => r.Point, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        return [.. points.Select(p => ran.TryGetValue(p.Id, out var o) ? o : Resumed(store!, p, kept[p.Id]))];
    }

    /// <summary>Prepares every point (on the jobs' threads); the first point in the sweep's order that is refused stops the sweep.</summary>
    private void Check(ImmutableArray<SweepPoint> points, int jobs)
    {
        var errors = new TesseraInputException?[points.Length];
        Parallel.For(0, points.Length, new ParallelOptions { MaxDegreeOfParallelism = jobs }, i =>
        {
            try { runner.Prepare(points[i].Scenario); }
            catch (TesseraInputException e) { errors[i] = e; }
        });
        if (errors.Select((e, i) => (e, i)).FirstOrDefault(x => x.e is not null) is ({ } error, var at))
            throw new TesseraInputException($"point {points[at].Index + 1} ({points[at].Label}): {error.Message}");
    }

    private (SweepOutcome, StoredRun) Evaluate(SweepSpec spec, SweepPoint point, CancellationToken cancellation)
    {
        var result = runner.Run(point.Scenario, cancellation: cancellation);
        var metrics = result.Evaluation is { } e ? EvaluationTables.Metrics(e) : [];
        var row = new StoredRun("sweep", $"{spec.Name}: {point.Label}", point.Id, result.Feasible, metrics,
            [PointTable(point, result.Infeasible), .. ScheduleTables.Tables(result)])
        { Sweep = spec.Id, SweepIndex = point.Index };
        return (new SweepOutcome(point, result.Feasible, result.Infeasible, metrics, Resumed: false), row);
    }

    /// <summary>The point's axis values (and, when it has no schedule, why) as the first table of its stored run.</summary>
    private static ResultTable PointTable(SweepPoint point, string? infeasible) =>
        new("point", $"point {point.Index + 1} ({point.Id})", [new("axis", ValueKind.Text), new("value", ValueKind.Text)],
            [.. point.Values.Select(v => ImmutableArray.Create<ResultValue>(v.Key, v.Value))], infeasible is null ? [] : [$"infeasible: {infeasible}"]);

    private static SweepOutcome Resumed(ResultStore store, SweepPoint point, StoredRunSummary run)
    {
        string? reason = run.Feasible ? null
            : store.Show(run.Id).Tables.FirstOrDefault(t => t.Title == "point")?.Notes.FirstOrDefault()?.Replace("infeasible: ", "", StringComparison.Ordinal);
        return new SweepOutcome(point, run.Feasible, reason ?? (run.Feasible ? null : "infeasible"), run.Metrics, Resumed: true);
    }
}
