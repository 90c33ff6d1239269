using System.CommandLine;
using Spectre.Console;
using Tessera.Costs;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Scenarios;
using Tessera.Technology;

namespace Tessera.Cli.Commands;

/// <summary>`tessera run [scenario.yaml]`: evaluate a scenario (the built-in default without arguments).</summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var scenarioPath = new Argument<string?>("scenario") { Arity = ArgumentArity.ZeroOrOne, Description = "Scenario YAML file; the built-in default when omitted" };
        var hardware = new Option<string?>("--hardware") { Description = "Hardware preset or file, replacing the scenario's" };
        var json = new Option<bool>("--json") { Description = "Write JSON (with every operator's placement) instead of tables" };
        var costModel = new Option<string>("--cost-model")
        {
            Description = "Operator cost model: loopnest (searched intra-core mapping) or roofline (perfect-reuse bound)",
            DefaultValueFactory = _ => LoopNest,
        };
        costModel.AcceptOnlyFromAmong(LoopNest, Roofline);
        var command = new Command("run", "Evaluate a scenario: models on hardware → latency, energy, EDP") { scenarioPath, hardware, json, costModel };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(scenarioPath);
            var scenario = path is null ? Scenario.Default : ScenarioLoader.Load(path);
            if (parse.GetValue(hardware) is { } h) scenario = scenario with { Hardware = h };
            var result = Evaluate(scenario, parse.GetValue(costModel) == Roofline ? new RooflineCostModel() : new LoopNestCostModel());
            if (parse.GetValue(json))
                JsonOutput.Write(context.Out, result);
            else
                Print(context.Console, result);
            return 0;
        });
        return command;
    }

    private const string LoopNest = "loopnest";
    private const string Roofline = "roofline";

    public static EvaluationResult Evaluate(Scenario scenario, IOperatorCostModel? costModel = null)
    {
        var technology = TechnologyLibrary.LoadDefault();
        var package = HardwareLoader.Load(scenario.Hardware, technology);
        var models = ScenarioLoader.BuildModels(scenario);
        return new LayerByLayerEvaluator(costModel ?? new LoopNestCostModel()).Evaluate(scenario.Name, package, models);
    }

    private static void Print(IAnsiConsole console, EvaluationResult result)
    {
        console.MarkupLine($"[bold]{Markup.Escape(result.Scenario)}[/] on [bold]{Markup.Escape(result.Hardware)}[/] " +
            $"(layer by layer, {Markup.Escape(result.CostModel)})");
        var models = new Table().AddColumns("model", "batch", "MACs", "latency", "energy", "EDP");
        foreach (var m in result.Models)
            models.AddRow(Markup.Escape(m.Model), m.Batch.ToString(), Units.Count(m.Macs), Units.Si(m.LatencySeconds, "s"),
                Units.Si(m.Energy.TotalJ, "J"), Units.Si(m.Edp, "J·s"));
        models.AddRow("[bold]scenario[/]", "", Units.Count(result.Models.Sum(m => m.Macs)), $"[bold]{Units.Si(result.LatencySeconds, "s")}[/]",
            $"[bold]{Units.Si(result.Energy.TotalJ, "J")}[/]", $"[bold]{Units.Si(result.Edp, "J·s")}[/]");
        console.Write(models);

        var e = result.Energy;
        var energy = new Table().AddColumns("energy", "J", "share");
        foreach (var (name, joules) in new[] { ("compute", e.ComputeJ), ("on-chip memory", e.OnChipMemoryJ), ("off-chip memory", e.OffChipMemoryJ), ("die-to-die / NoP", e.InterconnectJ), ("static", e.StaticJ) })
            energy.AddRow(name, Units.Si(joules, "J"), e.TotalJ > 0 ? $"{joules / e.TotalJ:P1}" : "-");
        console.Write(energy);

        var chiplets = new Table().AddColumns("chiplet/core", "operators", "busy", "utilisation of makespan");
        foreach (var g in result.Placements.GroupBy(p => $"{p.Chiplet}/{p.Core}").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            double busy = g.Sum(p => p.EndSeconds - p.StartSeconds);
            chiplets.AddRow(Markup.Escape(g.Key), g.Count().ToString(), Units.Si(busy, "s"),
                result.LatencySeconds > 0 ? $"{busy / result.LatencySeconds:P0}" : "-");
        }
        console.Write(chiplets);
    }
}
