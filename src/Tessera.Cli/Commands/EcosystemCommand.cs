using System.CommandLine;
using Spectre.Console;
using Tessera.Chiplets;
using Tessera.Economics;
using Tessera.Ecosystem;
using Tessera.Floorplanning;
using Tessera.Reports;
using Tessera.Reports.Html;
using Tessera.Scoring;
using Tessera.Technology;

namespace Tessera.Cli.Commands;

/// <summary>`tessera ecosystem [suite.yaml]`: a pool of chiplet designs, each application's BASIC, and the baselines.</summary>
internal static class EcosystemCommand
{
    public static Command Create(CliContext context)
    {
        var suiteFile = new Argument<string?>("suite") { Description = "Suite file (suite: [zoo names]); default: the built-in suite", Arity = ArgumentArity.ZeroOrOne };
        var suite = new Option<string?>("--suite") { Description = "Comma-separated zoo models instead of a file; name:decode for decode" };
        var cache = new Option<string?>("--cache") { Description = "Profile cache file (default: .tessera-cache/profiles.db here)" };
        var full = new Option<bool>("--full-grid") { Description = "Mozart's full grid (192 candidates) instead of the small default (24)" };
        var metric = new Option<string>("--objective", "--metric") { Description = "What each package and the pool minimise: energy, ec, edp, edcp or latency (default: the suite file's objective, else ec)", DefaultValueFactory = _ => "ec" };
        var seed = new Option<int>("--seed") { Description = "Seed of the GA and the annealing", DefaultValueFactory = _ => 1 };
        var maxPool = new Option<int?>("--max-pool") { Description = "Largest pool of the growth curve (default 12)" }.AtLeast(1);
        var noSimulate = new Option<bool>("--no-simulate") { Description = "Skip simulating the final packages" };
        var json = new Option<bool>("--json") { Description = "Write JSON instead of tables" };
        var costModel = CostModelOption.Create();
        var floorplans = new Option<string?>("--floorplans") { Description = "Write each application package's floorplan to this folder as APP.svg and APP.json" };
        var profile = new Option<string?>("--cost-profile")
        {
            Description = $"Cost profile for dies and packaging: {string.Join(" or ", CostProfile.All.Select(p => p.Name))} (default: the suite file's cost_profile, else {CostProfile.Default.Name})",
        };
        var allIn = new Option<bool>("--all-in-cost")
        {
            Description = "Charge each application its packaging and NRE per unit as well (the all-in unit cost); by default the objective's cost is Mozart's, dies and memory modules, and NRE and packaging are fleet figures",
        };
        var store = StoreOption.Create();
        var report = ReportOption.Create();
        var progress = ProgressBar.Option();
        var command = new Command("ecosystem", "Select a pool of chiplet designs for a suite and compose a bespoke package per application (Mozart)")
        {
            suiteFile, suite, cache, full, metric, seed, maxPool, noSimulate, json, floorplans, costModel, profile, allIn, store, report, progress,
        };
        command.SetAction(parse =>
        {
            var plans = OutputFile.Folder(parse.GetValue(floorplans), "--floorplans");
            var results = StoreOption.Open(parse.GetValue(store));
            var reportFile = ReportOption.Open(parse.GetValue(report));
            var technology = TechnologyLibrary.LoadDefault();
            var file = parse.GetValue(suiteFile) is { } path ? EcosystemRunner.LoadSuite(path)
                : new SuiteFile(parse.GetValue(suite) is { } list ? [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
                    : EcosystemRunner.DefaultSuite, null);
            var objective = parse.GetResult(metric) is { Implicit: false } || file.Objective is null
                ? Objective.Parse(parse.GetValue(metric)!).Require("the ecosystem", [.. Objective.Named]) : file.Objective;
            var request = new EcosystemRequest(file.Suite, parse.GetValue(full), objective, parse.GetValue(seed),
                parse.GetValue(cache) ?? ProfileCache.DefaultPath, !parse.GetValue(noSimulate), parse.GetValue(maxPool))
            {
                CostModel = parse.GetResult(costModel) is { Implicit: false } || file.CostModel is null ? parse.GetValue(costModel)! : file.CostModel,
                CostProfile = parse.GetValue(profile) is { } name ? CostProfile.Parse(name) : file.CostProfile ?? CostProfile.Default,
                CostBasis = parse.GetValue(allIn) ? CostBasis.AllIn : CostBasis.DiesAndMemory,
            };
            bool asJson = parse.GetValue(json);
            var result = ProgressBar.RunStages(context, ProgressBar.Mode(context, parse.GetValue(progress), asJson),
                stage => EcosystemRunner.Run(technology, request, stage is null ? null : new Progress(stage)));
            if (plans is not null)
                WriteFloorplans(plans, result);
            var manifest = JsonOutput.ManifestOf(context, costModel: result.Request.CostModel, seed: result.Request.Seed);
            var tables = EcosystemTables.Tables(result);
            StoreOption.Append(context, results, manifest, "ecosystem", string.Join(",", result.Request.Suite), result.Pool.Packages.All(p => p is not null),
                EcosystemTables.Metrics(result), tables);
            ReportOption.Write(reportFile, () => TableReport.Build("tessera ecosystem", $"suite {string.Join(", ", result.Request.Suite)}; objective {result.Request.Objective}; pool {string.Join(", ", result.Pool.Designs)}",
                tables, manifest, result.Floorplans.OfType<Floorplan>()));
            if (asJson) JsonOutput.WriteResult(context.Out, Describe(result), manifest);
            else Print(context.Console, result, tables);
            return 0;
        });
        return command;
    }

    /// <summary>One SVG drawing and one JSON floorplan per application package (':' in decode names becomes '-').</summary>
    private static void WriteFloorplans(OutputFile folder, EcosystemResult r)
    {
        foreach (var (package, plan) in r.Pool.Packages.Zip(r.Floorplans))
        {
            if (package is null || plan is null) continue;
            var name = package.Application.Replace(':', '-');
            folder.WriteInFolder(name + ".svg", writer => writer.Write(FloorplanSvg.Render(plan)));
            folder.WriteInFolder(name + ".json", writer => JsonOutput.Write(writer, FloorplanCommand.Describe(plan)));
        }
    }

    private static object Package(BasicPackage? p) => p is null ? new { Feasible = false } : new
    {
        p.Application,
        p.PeriodSeconds,
        p.EnergyJ,
        p.CostUsd,
        Cost = new
        {
            p.Cost.DiesUsd, p.Cost.MemoryUsd, p.Cost.PackagingUsd, p.Cost.YieldLossUsd, p.Cost.UnitCostUsd, p.Cost.NrePerUnitUsd, p.Cost.TotalUsd,
        },
        p.EnergyCost,
        p.Edp,
        p.Edcp,
        Groups = p.Groups.Select(g => new { g.Role, Design = g.Candidate.Name, g.Count, g.MemoryType, g.MemoryModules }),
        Stages = p.Stages.Select(s => new { s.First, s.Count, s.Design, s.Group, s.TensorParallel, s.Memory, s.LatencySeconds, s.DynamicJ, s.LinkJ, s.LeakageW, s.BufferDemandBytes }),
    };

    private static object Describe(EcosystemResult r) => new
    {
        Suite = r.Request.Suite,
        Metric = r.Request.Objective.ToString(),
        CostProfile = r.Request.CostProfile.Name,
        r.Request.CostBasis,
        r.Request.Seed,
        Candidates = r.Candidates.Length,
        r.ProfilesEvaluated,
        r.ProfilesFromCache,
        Pool = new { r.Pool.Designs, r.Pool.Objective, Source = r.PoolSource, r.GrowthK },
        Grown = new { r.Grown.Designs, r.Grown.Objective },
        Annealed = new { r.Annealed.Designs, r.Annealed.Objective },
        Exact = r.Exact is null ? null : new { r.Exact.Designs, r.Exact.Objective, Optimal = r.ExactOptimal },
        Curve = r.Curve,
        Packages = r.Pool.Packages.Select(Package),
        r.AllLegal,
        Floorplans = r.Pool.Packages.Zip(r.Floorplans, (p, f) => f is null ? null : new
        {
            p!.Application, f.Legal, f.WidthMm, f.HeightMm, f.AreaMm2,
            Dies = f.Blocks.Count(b => b.Kind == BlockKind.Die),
            Memories = f.Blocks.Count(b => b.Kind == BlockKind.MemoryStack) + f.OffPackageMemories.Length,
            Violations = f.Violations.Select(FloorplanCommand.DescribeViolation),
            Warnings = f.Warnings.Select(v => v.Message),
        }),
        Baselines = r.Baselines.Select(b => new { b.Name, b.Description, b.Designs, Packages = b.Packages.Select(Package) }),
        r.Ratios,
        Fleets = r.Fleets.Select(f => new { f.Fleet, f.Designs, f.DesignNreUsd, f.Products, f.ProductNreUsd, f.Units, f.NrePerUnitUsd, f.PackagingPerUnitUsd }),
        Simulated = r.Simulated,
        r.Seconds,
    };

    private static void Print(IAnsiConsole console, EcosystemResult r, IReadOnlyList<ResultTable> tables)
    {
        var charged = r.Request.CostBasis == CostBasis.AllIn ? "all-in unit cost" : "dies and memory (Mozart)";
        console.MarkupLine(Markup.Escape($"Suite: {string.Join(", ", r.Request.Suite)}; {r.Candidates.Length} candidates; objective {r.Request.Objective} (geometric mean), " +
            $"cost charged: {charged}, cost profile {r.Request.CostProfile.Name}"));
        ResultTablePrinter.Print(console, tables[0]);
        console.MarkupLine(Markup.Escape($"Growth stops at K = {r.GrowthK}; growth {r.Grown.Objective:G4}, annealing {r.Annealed.Objective:G4}, " +
            $"exact {(r.Exact is null ? "-" : $"{r.Exact.Objective:G4}{(r.ExactOptimal ? " (CP-SAT optimal on its linear proxy)" : "")}")}; pool from {r.PoolSource}: {string.Join(", ", r.Pool.Designs)}"));
        ResultTablePrinter.Print(console, tables.Skip(1));
        console.MarkupLine(Markup.Escape($"Profiles: {r.ProfilesEvaluated} evaluated, {r.ProfilesFromCache} from the cache. Seconds: " +
            string.Join(", ", r.Seconds.Select(s => $"{s.Key} {s.Value:0.0}"))));
    }

    /// <summary>The ecosystem's stage reports as the CLI's staged progress.</summary>
    private sealed class Progress(Action<string, double> stage) : IProgress<EcosystemProgress>
    {
        public void Report(EcosystemProgress value) => stage(value.Stage, value.Fraction);
    }
}
