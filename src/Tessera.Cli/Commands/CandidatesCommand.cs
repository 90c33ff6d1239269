using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Tessera.Chiplets;
using Tessera.Costs;
using Tessera.Technology;

namespace Tessera.Cli.Commands;

/// <summary>`tessera candidates`: chiplet candidates with area and cost, and the best one per model of a suite.</summary>
internal static class CandidatesCommand
{
    private const double PjPerMj = 1e9;
    private const double MsPerSecond = 1e3;

    public static Command Create(CliContext context)
    {
        var suite = new Option<string>("--suite")
        {
            Description = "Comma-separated zoo models; name:decode for a transformer's decode phase",
            DefaultValueFactory = _ => string.Join(',', OperatorProfiler.DefaultSuite),
        };
        var cache = new Option<string?>("--cache") { Description = "Profile cache file (default: .tessera-cache/profiles.db here)" };
        var full = new Option<bool>("--full-grid") { Description = "Mozart's full grid (192 candidates) instead of the small default (24)" };
        var json = new Option<bool>("--json") { Description = "Write JSON instead of tables" };
        var costModel = CostModelOption.Create();
        var command = new Command("candidates", "Chiplet candidates (Mozart templates) profiled on a suite of models") { suite, cache, full, json, costModel };
        command.SetAction(parse =>
        {
            var technology = TechnologyLibrary.LoadDefault();
            var knobs = parse.GetValue(full) ? CandidateKnobs.Mozart(technology) : CandidateKnobs.Default(technology);
            var candidates = CandidateGenerator.Generate(technology, knobs);
            var store = new ProfileCache(parse.GetValue(cache) ?? ProfileCache.DefaultPath);
            var profiler = new OperatorProfiler(technology, CostModels.Create(parse.GetValue(costModel)!), store);
            string[] names = [.. parse.GetValue(suite)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            var clock = Stopwatch.StartNew();
            // Profiling searches mappings for minutes on a first run.
            var table = ProgressBar.Run(context, ProgressBar.Mode(context, ProgressMode.Auto, parse.GetValue(json)), "Profiling operators on candidates", bar => profiler.Profile(candidates, names, bar));
            var seconds = clock.Elapsed.TotalSeconds;
            if (parse.GetValue(json)) JsonOutput.WriteResult(context, Describe(table, store.Path, seconds), costModel: profiler.Version);
            else Print(context.Console, table, store.Path, seconds);
            return 0;
        });
        return command;
    }

    private static object Describe(ProfileTable t, string cache, double seconds) => new
    {
        Cache = cache,
        Seconds = seconds,
        t.Evaluated,
        t.FromCache,
        Shapes = t.Shapes.Count,
        Candidates = t.Candidates.Select(c => new
        {
            c.Name,
            c.Template.Dataflow,
            c.Width,
            c.Height,
            c.Template.VectorWidth,
            c.GlobalBufferBytes,
            c.Node,
            AreaMm2 = c.Area.TotalMm2,
            c.Die.Yield,
            c.Die.CostPerGoodDieUsd,
            c.LeakageW,
        }),
        Models = t.Models.Select(m => new
        {
            m.Name,
            Operators = m.Occurrences.Sum(o => o.Count),
            DistinctShapes = m.Occurrences.Length,
            BestByEnergy = Best(t, m, byLatency: false),
            BestByLatency = Best(t, m, byLatency: true),
        }),
    };

    private static object Best(ProfileTable t, SuiteModel m, bool byLatency)
    {
        var c = t.Best(m, byLatency);
        var totals = t.Totals(m, c);
        return new { Candidate = c.Name, totals.EnergyPj, totals.Cycles, totals.Seconds };
    }

    private static void Print(IAnsiConsole console, ProfileTable t, string cache, double seconds)
    {
        var candidates = new Table().AddColumns("candidate", "dataflow", "array", "buffer MiB", "area mm²", "yield", "$/good die");
        foreach (var c in t.Candidates)
            candidates.AddRow(Markup.Escape(c.Name), c.Template.Dataflow, $"{c.Width}×{c.Height}{(c.Template.VectorWidth > 1 ? $"×{c.Template.VectorWidth}" : "")}",
                $"{c.GlobalBufferBytes >> 20}", $"{c.Area.TotalMm2:0.0}", $"{c.Die.Yield:0.000}", $"{c.Die.CostPerGoodDieUsd:0.00}");
        console.Write(candidates);
        var best = new Table().AddColumns("model", "operators", "shapes", "best by energy", "energy mJ", "best by latency", "latency ms");
        foreach (var m in t.Models)
        {
            var e = t.Best(m, byLatency: false);
            var l = t.Best(m, byLatency: true);
            best.AddRow(Markup.Escape(m.Name), $"{m.Occurrences.Sum(o => o.Count)}", $"{m.Occurrences.Length}", Markup.Escape(e.Name),
                $"{t.Totals(m, e).EnergyPj / PjPerMj:0.000}", Markup.Escape(l.Name), $"{t.Totals(m, l).Seconds * MsPerSecond:0.000}");
        }
        console.Write(best);
        console.MarkupLine(Markup.Escape(
            $"{t.Shapes.Count} operator shapes × {t.Candidates.Length} candidates: {t.Evaluated} evaluated, {t.FromCache} from the cache {cache}, {seconds:0.0} s"));
    }
}
