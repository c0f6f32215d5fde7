using System.Reflection;
using System.Text.RegularExpressions;
using Tollgate.FakeUpstream;
using Tollgate.Gateway.Cluster;
using Tollgate.Gateway.Envoy;
using Tollgate.Gateway.Journal;
using Tollgate.Gateway.Metering;
using Tollgate.Gateway.Proxy;
using Tollgate.Grains.Limits;
using Tollgate.Persistence;
using Tollgate.Silo;
using Tollgate.Silo.Webhooks;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Deploy;

/// <summary>
/// What README.md and docs/ say stays true: every relative link points at a file that exists and a heading it has, and
/// the configuration table (docs/configuration.md) names exactly the settings the processes read: every documented
/// setting binds to a property of its options class or is read by its key, and every property an options class binds
/// is documented. (OpenApiTests does the same for the API's endpoints.)
/// </summary>
public sealed partial class DocumentationTests
{
    /// <summary>Configuration sections and the class each binds to (Get&lt;T&gt; or Configure&lt;T&gt; in src/).</summary>
    private static readonly (string Section, Type Options)[] Sections =
    [
        ("Silo", typeof(SiloSettings)), ("Silo:GroupCommit", typeof(GroupCommitOptions)), ("Limits", typeof(LimitOptions)),
        ("Webhooks", typeof(WebhookOptions)), ("Cluster", typeof(ClusterClientSettings)), ("Metering", typeof(MeteringOptions)),
        ("Metering:DefaultPrice", typeof(MeteringOptions.PriceOptions)), ("Proxy", typeof(ProxyOptions)),
        ("Proxy:Providers:{name}", typeof(ProviderOptions)), ("Proxy:Outage", typeof(OutageOptions)), ("Proxy:Journal", typeof(JournalOptions)),
        ("FakeUpstream", typeof(FakeUpstreamOptions)), ("Envoy", typeof(EnvoyOptions)), ("Envoy:Domains:{domain}", typeof(EnvoyDomainOptions)),
        ("Envoy:Domains:{domain}:Descriptors:{key}", typeof(EnvoyDescriptorOptions)),
    ];

    /// <summary>Settings read by their key rather than bound to a class: the file that reads each, and the text it reads it by.</summary>
    private static readonly (string Key, string File, string Literal)[] ReadByKey =
    [
        ("Postgres:ConnectionString", "src/Silo/SiloDatabase.cs", "\"Postgres:ConnectionString\""),
        ("Postgres:ConnectionString", "src/Gateway/GatewayApp.cs", "\"Postgres:ConnectionString\""),
        ("Postgres:LocalDataDirectory", "src/Silo/SiloDatabase.cs", "\"Postgres:LocalDataDirectory\""),
        ("Silo:Membership:*", "src/Silo/SiloApp.cs", "GetSection(\"Silo:Membership\")"), // Orleans' ClusterMembershipOptions
        ("Admin:Token", "src/Gateway/GatewayApp.cs", "\"Admin:Token\""),
        ("Kestrel:Limits:MaxRequestBodySize", "src/Gateway/GatewayApp.cs", "\"Kestrel:Limits:MaxRequestBodySize\""),
        ("Operator:SessionLifetime", "src/Gateway/Operator/OperatorAuthentication.cs", "\"SessionLifetime\""),
        ("Operator:SignInAttemptsPerMinute", "src/Gateway/Operator/OperatorAuthentication.cs", "\"SignInAttemptsPerMinute\""),
        ("Webhooks:RequireHttps", "src/Gateway/Admin/WebhookEndpoints.cs", "\"Webhooks:RequireHttps\""),
        ("Telemetry:Otlp:Endpoint", "src/Telemetry/TollgateTelemetry.cs", "\"Telemetry:Otlp:Endpoint\""),
        ("Telemetry:Otlp:Protocol", "src/Telemetry/TollgateTelemetry.cs", "\"Telemetry:Otlp:Protocol\""),
        ("Telemetry:MetricsToken", "src/Telemetry/TollgateTelemetry.cs", "\"Telemetry:MetricsToken\""),
        ("Telemetry:PrometheusAnonymous", "src/Telemetry/TollgateTelemetry.cs", "\"Telemetry:PrometheusAnonymous\""),
        ("OTEL_SERVICE_NAME", "src/Telemetry/TollgateTelemetry.cs", "\"OTEL_SERVICE_NAME\""),
        ("Urls", "src/Silo/appsettings.json", "\"Urls\""), // ASP.NET Core's own; each process's default in its appsettings.json
        ("Urls", "src/Gateway/appsettings.json", "\"Urls\""),
    ];

    /// <summary>Classes named like options that no configuration section binds, with why.</summary>
    private static readonly Dictionary<Type, string> NotConfiguration = new()
    {
        [typeof(Tollgate.Telemetry.TelemetrySettings)] = "built by TelemetrySettings.From from keys listed in ReadByKey",
        [typeof(Tollgate.Gateway.Admin.WebhookSettings)] = "built by WebhookSettings.From from Webhooks:RequireHttps (ReadByKey)",
        [typeof(LocalPostgresOptions)] = "the embedded PostgreSQL's options, given in code by the run command, the silo and the tests",
        [typeof(Tollgate.Grains.MadeUpIdOptions)] = "bound from no configuration: tests shorten it in code",
    };

    [Fact]
    public void Every_relative_link_in_the_readme_and_docs_points_at_a_file_and_heading_that_exist()
    {
        var documents = Directory.GetFiles(Repository.PathOf("docs"), "*.md").Append(Repository.PathOf("README.md")).ToList();
        Assert.True(documents.Count > 5);
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var document in documents)
        {
            foreach (Match link in Link().Matches(Prose(File.ReadAllText(document))))
            {
                var target = link.Groups[1].Value;
                if (Uri.TryCreate(target, UriKind.Absolute, out _)) continue; // http(s), mailto: not checked here (no internet)
                checkedLinks++;
                var (path, anchor) = target.IndexOf('#') is var hash and >= 0 ? (target[..hash], target[(hash + 1)..]) : (target, null);
                var file = path.Length == 0 ? document : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, Uri.UnescapeDataString(path)));
                var where = $"{Path.GetRelativePath(Repository.Root, document)}: ({target})";
                if (!file.StartsWith(Repository.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) broken.Add($"{where} leaves the repository");
                else if (!File.Exists(file) && !Directory.Exists(file)) broken.Add($"{where} names no file");
                else if (anchor is not null && (!file.EndsWith(".md", StringComparison.Ordinal) || !Anchors(File.ReadAllText(file)).Contains(anchor)))
                    broken.Add($"{where} names no heading #{anchor} of {Path.GetRelativePath(Repository.Root, file)}");
            }
        }
        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join("\n", broken));
        Assert.True(checkedLinks > 40, $"only {checkedLinks} links found: is the link pattern still right?");
    }

    [Fact]
    public void The_readme_begins_with_the_run_and_test_commands_and_lists_the_reference_documents()
    {
        var readme = Repository.Read("README.md");
        var firstBlock = FirstCodeBlock().Match(readme);
        Assert.True(firstBlock.Success && readme.IndexOf(firstBlock.Value, StringComparison.Ordinal) < readme.IndexOf("\n## ", StringComparison.Ordinal), "the README's first commands come before its first section");
        Assert.Equal(["dotnet run --project src/LocalStack", "dotnet test Orleans.sln"],
            firstBlock.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('#')[0].Trim()));
        foreach (var document in Directory.GetFiles(Repository.PathOf("docs"), "*.md").Select(Path.GetFileName))
            Assert.Contains($"](docs/{document})", readme); // every reference is reachable from the front door
        Assert.True(readme.Length < 12_000, $"the README is {readme.Length} characters again: move references to docs/");
    }

    [Fact]
    public void Every_documented_setting_is_read_by_the_processes_and_every_bound_option_is_documented()
    {
        var documented = DocumentedSettings();
        Assert.Contains("Silo:ClusterId", documented);

        var problems = new List<string>();
        foreach (var setting in documented)
        {
            if (ReadByKey.Any(read => read.Key == setting)) continue;
            var owner = Sections.Where(section => setting.StartsWith(section.Section + ":", StringComparison.Ordinal)
                    && !setting[(section.Section.Length + 1)..].Contains(':'))
                .Select(section => (Type?)section.Options).SingleOrDefault();
            var property = owner is null ? null : Bindable(owner).SingleOrDefault(p => string.Equals(p.Name, setting.Split(':')[^1], StringComparison.OrdinalIgnoreCase));
            if (property is null) problems.Add($"{setting} is documented, but no options class binds it and nothing reads it by key");
        }
        foreach (var (section, options) in Sections)
        {
            foreach (var property in Bindable(options).Where(p => !IsSection(p.PropertyType)))
            {
                if (!documented.Contains($"{section}:{property.Name}")) problems.Add($"{section}:{property.Name} ({options.Name}.{property.Name}) is bound but not in docs/configuration.md");
            }
        }
        foreach (var (key, file, literal) in ReadByKey)
        {
            if (!documented.Contains(key)) problems.Add($"{key} is read by {file} but not in docs/configuration.md");
            if (!Repository.Read(file).Contains(literal, StringComparison.Ordinal)) problems.Add($"{file} no longer reads {key} (by {literal}): update ReadByKey and the table");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_options_class_of_the_processes_is_bound_from_a_documented_section_or_said_to_be_no_configuration()
    {
        var assemblies = new[] { typeof(SiloSettings), typeof(Tollgate.Gateway.GatewayApp), typeof(FakeUpstreamOptions), typeof(GroupCommitOptions), typeof(LimitOptions), typeof(Tollgate.Telemetry.TelemetrySettings), typeof(Tollgate.LocalStack.LocalPort) }
            .Select(type => type.Assembly).Distinct();
        var optionsClasses = assemblies.SelectMany(assembly => assembly.GetExportedTypes())
            .Where(type => type.IsClass && (type.Name.EndsWith("Options", StringComparison.Ordinal) || type.Name.EndsWith("Settings", StringComparison.Ordinal)) && Bindable(type).Any());
        var unaccounted = optionsClasses.Where(type => !Sections.Any(section => section.Options == type) && !NotConfiguration.ContainsKey(type)).Select(type => type.FullName).ToList();
        Assert.True(unaccounted.Count == 0, "Options classes neither in Sections (and documented) nor in NotConfiguration: " + string.Join(", ", unaccounted));
        foreach (var type in NotConfiguration.Keys) Assert.Contains(type, optionsClasses); // a stale entry fails
        // Each section is really bound to its class where the processes are built.
        var sources = string.Join("\n", Directory.GetFiles(Repository.PathOf("src"), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.Equal("Envoy", EnvoyOptions.Section); // EnvoyOptions.From binds the section by this name
        foreach (var (section, options) in Sections.Where(section => (!section.Section.Contains(':') || section.Section is "Proxy:Journal") && section.Options != typeof(EnvoyOptions)))
            Assert.Matches($"GetSection\\(\"{Regex.Escape(section)}\"\\)[^;]*{options.Name}|{options.Name}>\\([^;]*GetSection\\(\"{Regex.Escape(section)}\"\\)", sources);
    }

    [Fact]
    public void The_run_commands_variables_are_the_ones_it_reads()
    {
        var read = RunVariable().Matches(Repository.Read("src", "LocalStack", "Program.cs")).Select(match => match.Value).ToHashSet();
        var table = Repository.Read("docs", "configuration.md");
        table = table[table.IndexOf("## The run command", StringComparison.Ordinal)..];
        var documented = RunVariable().Matches(table).Select(match => match.Value).ToHashSet();
        Assert.Equal(read.Order(), documented.Order());
    }

    [Fact]
    public void Every_setting_the_deployment_files_set_is_a_documented_one()
    {
        var documented = DocumentedSettings();
        var files = Directory.GetFiles(Repository.PathOf("deploy", "kubernetes"), "*.yaml").Append(Repository.PathOf("docker-compose.yml"));
        var unknown = new List<string>();
        foreach (var file in files)
        {
            foreach (Match variable in EnvironmentSetting().Matches(File.ReadAllText(file)))
            {
                // Section__Key, with a provider's name or a list index where the table says {name} or nothing.
                var setting = Regex.Replace(variable.Groups[1].Value.Replace("__", ":", StringComparison.Ordinal), "^Proxy:Providers:[^:]+:", "Proxy:Providers:{name}:");
                setting = Regex.Replace(setting, ":[0-9]+$", "");
                if (!documented.Contains(setting)) unknown.Add($"{Path.GetFileName(file)}: {variable.Groups[1].Value}");
            }
        }
        Assert.True(unknown.Count == 0, "Set by a deployment file but not a documented setting: " + string.Join(", ", unknown));
    }

    /// <summary>The setting names of docs/configuration.md's main table: each backticked name of its first column.</summary>
    private static HashSet<string> DocumentedSettings()
    {
        var text = Repository.Read("docs", "configuration.md");
        var table = text[text.IndexOf("| setting | process | default | meaning |", StringComparison.Ordinal)..];
        var rows = table.Split('\n').Skip(2).TakeWhile(line => line.StartsWith('|'));
        return rows.SelectMany(row => SettingName().Matches(row.Split('|')[1]).Select(match => match.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<PropertyInfo> Bindable(Type type) => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(property => property.CanRead && property.SetMethod is { IsPublic: true } && property.GetIndexParameters().Length == 0);

    /// <summary>A property whose value is a section of its own (documented by that section's settings).</summary>
    private static bool IsSection(Type type) =>
        Sections.Any(section => section.Options == type || type.IsGenericType && type.GetGenericArguments().Contains(section.Options));

    /// <summary>The text with code blocks and code spans blanked out: links are not looked for in code.</summary>
    private static string Prose(string markdown) => CodeSpan().Replace(CodeBlock().Replace(markdown, ""), "");

    /// <summary>The anchors GitHub gives a document's headings.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(CodeBlock().Replace(markdown, "")))
        {
            var slug = Regex.Replace(heading.Groups[1].Value.Trim().ToLowerInvariant().Replace("`", "", StringComparison.Ordinal), @"[^\p{L}\p{N}\- _]", "").Replace(' ', '-');
            var unique = slug;
            for (var n = 1; !anchors.Add(unique); n++) unique = $"{slug}-{n}";
        }
        return anchors;
    }

    // Every "](target)": a link's or an image's, an image inside a link included.
    [GeneratedRegex(@"\]\(([^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^```[^\n]*\n.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"\A[^\n]*\n*```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FirstCodeBlock();

    [GeneratedRegex(@"`([A-Za-z][A-Za-z0-9_]*(?::(?:[A-Za-z][A-Za-z0-9_]*|\{[a-z]+\}|\*))*)`")]
    private static partial Regex SettingName();

    [GeneratedRegex(@"TOLLGATE_[A-Z_]+|Postgres__ConnectionString")]
    private static partial Regex RunVariable();

    /// <summary>An environment variable a deployment file sets (not in a comment): compose's "Name: value", Kubernetes' "- name: Name".</summary>
    [GeneratedRegex(@"^[ \t]*(?:- name: |)([A-Za-z][A-Za-z0-9]*(?:__[A-Za-z0-9{}]+)+)(?::|[ \t]*$)", RegexOptions.Multiline)]
    private static partial Regex EnvironmentSetting();
}
