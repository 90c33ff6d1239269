using System.Reflection;
using System.Reflection.Emit;
using Tessera.Cli;
using Tessera.Workloads;

namespace Tessera.Tests.Architecture;

/// <summary>
/// Dependencies run down the flow of data: a namespace may use the ones before it in <see cref="Flow"/>, never one
/// after it. Read from the compiled IL (signatures, fields, locals and every type, method and field a method body
/// touches), so a fully qualified name or a `var` cannot hide a reference.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>The flow, upstream first (docs/architecture.md).</summary>
    public static readonly string[] Flow =
    [
        "Tessera.Diagnostics", "Tessera.Yaml", "Tessera.Scoring", "Tessera.Technology",
        "Tessera.Workloads", "Tessera.Hardware", "Tessera.Costs", "Tessera.Interop",
        "Tessera.Economics", "Tessera.Floorplanning",
        "Tessera.Evaluation", "Tessera.Scheduling", "Tessera.Simulation", "Tessera.Search", "Tessera.Reports",
        "Tessera.Chiplets", "Tessera.Scenarios", "Tessera.Experiments", "Tessera.Studies", "Tessera.Ecosystem", "Tessera.Sweeps",
        "Tessera.Cli",
    ];

    [Fact]
    public void Every_namespace_is_placed_in_the_flow()
    {
        var unplaced = Types().Select(t => t.Namespace ?? "")
            .Where(ns => ns.StartsWith("Tessera.", StringComparison.Ordinal) && Layer(ns) < 0).Distinct().ToList();
        Assert.True(unplaced.Count == 0, $"namespaces missing from the flow: {string.Join(", ", unplaced)}");
    }

    [Fact]
    public void No_namespace_uses_one_downstream_of_it()
    {
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in Types())
        {
            int own = Layer(type.Namespace ?? "");
            if (own < 0) continue;
            foreach (var used in References(type))
            {
                int layer = Layer(used.Namespace ?? "");
                if (layer > own)
                    violations.Add($"{type.FullName} ({Flow[own]}) uses {used.FullName} ({Flow[layer]})");
            }
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void The_scanner_sees_references_inside_method_bodies()
    {
        // ModelInstance is used only inside method bodies and signatures of the partitioners.
        var partitioner = typeof(Tessera.Scheduling.LayerByLayerPartitioner);
        Assert.Contains(typeof(ModelInstance), References(partitioner));
        Assert.Contains(typeof(Tessera.Costs.MemoryPath), References(partitioner));
    }

    private static int Layer(string ns)
    {
        for (int i = Flow.Length - 1; i >= 0; i--)
            if (ns == Flow[i] || ns.StartsWith(Flow[i] + ".", StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>Tessera's assemblies: the core library, the HTML report (kept apart for its plotting dependency) and the CLI.</summary>
    private static readonly Assembly[] Assemblies = [typeof(ModelGraph).Assembly, typeof(Tessera.Reports.Html.HtmlReport).Assembly, typeof(TesseraCli).Assembly];

    private static IEnumerable<Type> Types() => Assemblies.SelectMany(a => a.GetTypes());

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>Every Tessera type a type's signatures and method bodies name.</summary>
    internal static HashSet<Type> References(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var a in t.GetGenericArguments()) Add(a);
                Add(t.GetGenericTypeDefinition());
                return;
            }
            if (t.IsGenericParameter) return;
            if (Assemblies.Contains(t.Assembly)) found.Add(t);
        }
        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        foreach (var f in type.GetFields(Everything)) Add(f.FieldType);
        foreach (var p in type.GetProperties(Everything)) Add(p.PropertyType);
        foreach (var m in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType);
            foreach (var p in m.GetParameters()) Add(p.ParameterType);
            var body = m.GetMethodBody();
            if (body is null) continue;
            foreach (var local in body.LocalVariables) Add(local.LocalType);
            var il = body.GetILAsByteArray() ?? [];
            var typeArgs = type.IsGenericType ? type.GetGenericArguments() : null;
            var methodArgs = m.IsGenericMethod ? m.GetGenericArguments() : null;
            for (int at = 0; at < il.Length;)
            {
                short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
                var op = OpCodesByValue[value];
                at += op.Size;
                int token = op.OperandType is OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok
                    ? BitConverter.ToInt32(il, at) : 0;
                if (token != 0)
                {
                    try
                    {
                        switch (m.Module.ResolveMember(token, typeArgs, methodArgs))
                        {
                            case Type t: Add(t); break;
                            case MethodBase callee:
                                Add(callee.DeclaringType);
                                if (callee is MethodInfo c) Add(c.ReturnType);
                                foreach (var p in callee.GetParameters()) Add(p.ParameterType);
                                break;
                            case FieldInfo field: Add(field.DeclaringType); Add(field.FieldType); break;
                        }
                    }
                    catch (ArgumentException) { }
                }
                at += op.OperandType switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
                    _ => 4,
                };
            }
        }
        found.Remove(type);
        return found;
    }
}
