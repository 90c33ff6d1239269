using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Workloads;

/// <summary>Per-operator counts derived from the operator and the graph's tensors.</summary>
public sealed record OperatorStatistics(
    long Macs, double VectorOperations, long ParameterBytes, long InputActivationBytes, long OutputBytes)
{
    /// <summary>Bytes an operator must read and write at least once.</summary>
    public long TotalBytes => ParameterBytes + InputActivationBytes + OutputBytes;
}

/// <summary>A model: a DAG of operators over named tensors, kept in a topological order.</summary>
public sealed record ModelGraph
{
    /// <summary>Validates the graph (known tensors, single producers, no cycles) and orders it topologically.</summary>
    /// <param name="source">File or generator name used in error messages.</param>
    public ModelGraph(string name, IEnumerable<Tensor> tensors, IEnumerable<Operator> operators, string? source = null)
    {
        Name = name;
        var where = source ?? name;
        var tensorMap = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!tensorMap.TryAdd(t.Name, t))
                throw TesseraInputException.At(where, $"tensor '{t.Name}' is declared twice");
            foreach (var d in t.Shape)
                if (d <= 0)
                    throw TesseraInputException.At(where, $"tensor '{t.Name}' has shape [{string.Join(',', t.Shape)}]; expected positive sizes");
        }
        Tensors = tensorMap.ToImmutableDictionary(StringComparer.Ordinal);
        var list = operators.ToList();
        Limits.Check(where, $"model '{name}': its operator count", list.Count, Limits.Current.Operators, "operators");
        Operators = TopologicalOrder(list, Tensors, where);
        Producers = Operators.SelectMany(op => op.Outputs.Select(o => (o, op)))
            .ToImmutableDictionary(p => p.o, p => p.op, StringComparer.Ordinal);
    }

    public string Name { get; }
    public ImmutableDictionary<string, Tensor> Tensors { get; }
    public ImmutableArray<Operator> Operators { get; }

    /// <summary>The operator that writes each activation tensor.</summary>
    public ImmutableDictionary<string, Operator> Producers { get; }

    public IEnumerable<Tensor> ModelInputs => Tensors.Values.Where(t => t.Kind == TensorKind.ModelInput);

    public long Macs => Operators.Sum(op => op is ComputeOperator c ? c.Nest.Macs : 0);

    public long ParameterCount => Tensors.Values.Where(t => t.Kind == TensorKind.Parameter).Sum(t => t.Elements);

    public long ParameterBytes => Tensors.Values.Where(t => t.Kind == TensorKind.Parameter).Sum(t => t.Bytes);

    /// <summary>Bytes of every activation tensor, model inputs included, each counted once.</summary>
    public long ActivationBytes => Tensors.Values.Where(t => t.Kind != TensorKind.Parameter).Sum(t => t.Bytes);

    public OperatorStatistics Statistics(Operator op)
    {
        long parameters = 0, activations = 0;
        foreach (var name in op.Inputs.Distinct())
        {
            var t = Tensors[name];
            if (t.Kind == TensorKind.Parameter) parameters += t.Bytes;
            else activations += t.Bytes;
        }
        long outputs = op.Outputs.Sum(o => Tensors[o].Bytes);
        return op switch
        {
            ComputeOperator c => new(c.Nest.Macs, 0, parameters, activations, outputs),
            VectorOperator v => new(0, v.Operations, parameters, activations, outputs),
            ShapeOperator { MovesData: false } => new(0, 0, 0, 0, 0),
            _ => new(0, 0, parameters, activations, outputs),
        };
    }

    /// <summary>Operators that consume a tensor this operator produces.</summary>
    public IEnumerable<Operator> Successors(Operator op) =>
        Operators.Where(o => o.Inputs.Any(i => op.Outputs.Contains(i)));

    private static ImmutableArray<Operator> TopologicalOrder(
        List<Operator> operators, ImmutableDictionary<string, Tensor> tensors, string where)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < operators.Count; i++)
        {
            var op = operators[i];
            if (!names.Add(op.Name))
                throw TesseraInputException.At(where, $"node '{op.Name}' appears twice; expected unique node names");
            foreach (var t in op.Inputs.Concat(op.Outputs))
                if (!tensors.ContainsKey(t))
                    throw TesseraInputException.At(where, $"node '{op.Name}' uses tensor '{t}' that has no shape");
            foreach (var o in op.Outputs)
            {
                if (tensors[o].Kind != TensorKind.Activation)
                    throw TesseraInputException.At(where, $"node '{op.Name}' writes '{o}', which is a model input or parameter");
                if (!producer.TryAdd(o, i))
                    throw TesseraInputException.At(where, $"tensor '{o}' is written by both '{operators[producer[o]].Name}' and '{op.Name}'");
            }
        }
        foreach (var op in operators)
            foreach (var t in op.Inputs)
                if (tensors[t].Kind == TensorKind.Activation && !producer.ContainsKey(t))
                    throw TesseraInputException.At(where, $"node '{op.Name}' reads activation '{t}' that no node produces");

        // Kahn's algorithm; ties keep the given order so that results are stable.
        var indegree = new int[operators.Count];
        var consumers = new List<int>[operators.Count];
        for (int i = 0; i < operators.Count; i++) consumers[i] = [];
        for (int i = 0; i < operators.Count; i++)
            foreach (var t in operators[i].Inputs.Distinct())
                if (producer.TryGetValue(t, out var p))
                {
                    consumers[p].Add(i);
                    indegree[i]++;
                }
        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < operators.Count; i++)
            if (indegree[i] == 0) ready.Enqueue(i, i);
        var order = ImmutableArray.CreateBuilder<Operator>(operators.Count);
        while (ready.TryDequeue(out var i, out _))
        {
            order.Add(operators[i]);
            foreach (var c in consumers[i])
                if (--indegree[c] == 0) ready.Enqueue(c, c);
        }
        if (order.Count != operators.Count)
        {
            var stuck = operators.Where((_, i) => indegree[i] > 0).Select(o => o.Name).First();
            throw TesseraInputException.At(where, $"the graph has a cycle through node '{stuck}'; expected a DAG");
        }
        return order.MoveToImmutable();
    }
}
