//! The table of diagnostic codes: stable names that CI scripts and docs may rely on.
//!
//! Add a code here, give it a fixture under `fixtures/invalid/<code-name>/`, and the fixture test
//! checks that every code has one.

macro_rules! codes {
    ($($variant:ident => $name:literal: $summary:literal,)*) => {
        /// A stable diagnostic code, printed as `stave::<area>::<name>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $summary] $variant,)*
            /// A problem an external target reports, with its own code (`<target>::<name>`).
            Reported(ReportedCode),
        }

        impl Code {
            /// Every code of the table, in table order (not the codes external targets report).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable name, e.g. `stave::spec::unknown-resource`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                    Code::Reported(code) => code.name(),
                }
            }

            /// One line saying what the code means.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $summary,)*
                    Code::Reported(_) => "a problem an external target reports, in its own words",
                }
            }
        }
    };
}

/// A code an external target reports (`nomad::missing-job`), kept small so that a [`Code`]
/// stays a word: an index into the process's table of such codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportedCode(u32);

static REPORTED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

impl ReportedCode {
    /// The code `name`, entered in the table once.
    pub(crate) fn new(name: &str) -> ReportedCode {
        let name = crate::naming::intern(name);
        let mut table = REPORTED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let index = table.iter().position(|known| std::ptr::eq(*known, name)).unwrap_or_else(|| {
            table.push(name);
            table.len() - 1
        });
        ReportedCode(u32::try_from(index).unwrap_or(u32::MAX))
    }

    pub fn name(self) -> &'static str {
        let table = REPORTED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        usize::try_from(self.0).ok().and_then(|i| table.get(i).copied()).unwrap_or("target::reported")
    }
}

codes! {
    Usage => "stave::cli::usage": "the command line cannot be followed, or an output cannot be written (exit 2)",
    Unreadable => "stave::input::unreadable": "an input file cannot be read",
    TooLarge => "stave::input::too-large": "an input file is larger than Stave accepts",
    NotUtf8 => "stave::input::not-utf8": "an input file is not UTF-8 text",
    Binary => "stave::input::binary": "an input file holds binary data",
    ReservedCharacter => "stave::input::reserved-character":
        "an input holds a character Stave reserves for generated values",
    YamlSyntax => "stave::yaml::syntax": "the file is not valid YAML",
    YamlTag => "stave::yaml::tag": "a YAML tag outside the core schema",
    YamlLimit => "stave::yaml::limit": "the YAML exceeds a safety limit (aliases, nesting or size)",
    SeveralDocuments => "stave::yaml::several-documents": "a file holds more than one YAML document with content",
    EmptyFile => "stave::spec::empty-file": "the workload file holds no document",
    UnknownField => "stave::spec::unknown-field": "a field that the Score schema does not define",
    MissingField => "stave::spec::missing-field": "a required field is absent",
    WrongType => "stave::spec::wrong-type": "a value has the wrong type",
    InvalidValue => "stave::spec::invalid-value": "a value breaks a rule of the Score schema",
    FileContentChoice => "stave::spec::file-content-choice":
        "a file needs exactly one of content, binaryContent or source",
    ProbeKind => "stave::spec::probe-kind": "a probe needs httpGet or exec",
    DeprecatedListForm => "stave::spec::deprecated-list-form": "files or volumes written in the deprecated list form",
    ListItemWithoutTarget => "stave::spec::list-item-without-target":
        "an item of a list-form files or volumes has no target",
    DuplicateTarget => "stave::spec::duplicate-target": "two files or volumes of one container share a target",
    BadPlaceholder => "stave::spec::bad-placeholder": "a placeholder is malformed",
    UnknownPlaceholderRoot => "stave::spec::unknown-placeholder-root":
        "a placeholder starts with something other than metadata or resources",
    UnknownResource => "stave::spec::unknown-resource": "a placeholder names a resource the workload does not declare",
    UnknownMetadata => "stave::spec::unknown-metadata": "a placeholder names a metadata key that does not exist",
    UnterminatedPlaceholder => "stave::spec::unterminated-placeholder": "`${` without a closing `}` is kept as text",
    PlaceholderNotExpanded => "stave::spec::placeholder-not-expanded":
        "a placeholder in a field where Score does not expand them",
    UnknownContainer => "stave::spec::unknown-container": "a `before` entry names a container that does not exist",
    BeforeSelf => "stave::spec::before-self": "a container lists itself in `before`",
    BeforeCycle => "stave::spec::before-cycle": "the `before` relationships form a cycle",
    ImageRequired => "stave::spec::image-required": "`image: \".\"` needs an image from `--image`",
    InvalidBase64 => "stave::spec::invalid-base64": "binaryContent is not standard base64",
    FileSourceMissing => "stave::spec::file-source-missing": "a file `source` does not exist or cannot be read",
    FileSourceRefused => "stave::spec::file-source-refused":
        "a file `source` a workload may not read (the seed, a dotfile, not a regular file)",
    FileSourcesTooLarge => "stave::spec::file-sources-too-large":
        "the file sources of one compile are larger than Stave reads",
    FileSourceOutside => "stave::spec::file-source-outside": "a file `source` lies outside the workload's directory",
    DuplicatePort => "stave::spec::duplicate-port": "two service ports share a port number and protocol",
    AbsoluteVolumePath => "stave::spec::absolute-volume-path":
        "a volume path written as absolute (it is read inside the volume)",
    DuplicateWorkload => "stave::spec::duplicate-workload": "two workload files declare the same name",
    ValueTooLarge => "stave::limits::value-too-large":
        "placeholders expand one value beyond the platform's `limits.valueSize`",
    ExpansionTooLarge => "stave::limits::expansion-too-large":
        "placeholders expand one workload beyond the platform's `limits.workloadExpansion`",
    OutputTooLarge => "stave::limits::output-too-large":
        "a compile's output is larger than the platform's `limits.outputSize`",
    InvalidOverride => "stave::overrides::invalid": "an override cannot be applied",
    SharedResourceConflict => "stave::graph::shared-resource-conflict":
        "a shared resource is declared with different params or metadata",
    UnknownWorkload => "stave::graph::unknown-workload": "a link names a workload that is not being compiled",
    LinkRefused => "stave::graph::link-refused": "a link to a workload that does not accept calls from the linking one",
    ResourceCycle => "stave::graph::cycle": "resources depend on each other's outputs in a cycle",
    PlatformUnknownField => "stave::platform::unknown-field": "a field that the platform file's schema does not define",
    PlatformMissingField => "stave::platform::missing-field": "a field the platform file requires is absent",
    PlatformWrongType => "stave::platform::wrong-type": "a value of the platform file has the wrong type",
    PlatformInvalidValue => "stave::platform::invalid-value": "a value breaks a rule of the platform file's schema",
    UnknownEnvironment => "stave::platform::unknown-environment": "the environment is not in the platform file",
    TargetFailed => "stave::target::failed":
        "an external target's program failed: it crashed, hung, printed no response or named an unsafe path",
    UnknownTarget => "stave::platform::unknown-target":
        "an environment, a provisioner or `--target` names a target neither built in nor declared",
    UnusedWorkloadSettings => "stave::platform::unused-workload-settings":
        "the platform file configures a workload that is not being compiled",
    TargetChangesProvisioners => "stave::platform::target-changes-provisioners":
        "`--target` makes other provisioners serve the environment's resources",
    DeprecatedSetting => "stave::platform::deprecated-setting":
        "a platform file setting that has moved into a target's section",
    InvalidCidr => "stave::platform::invalid-cidr":
        "an egress CIDR (of the platform file or a provisioner) is not an address with a prefix length",
    PatchUnmatched => "stave::platform::patch-unmatched": "a patch of the platform file matches no emitted object",
    PatchFailed => "stave::platform::patch-failed":
        "a patch of the platform file cannot be applied to an object it selects",
    InvalidDnsDomain => "stave::platform::invalid-dns-domain":
        "the environment's `dns_domain` variable is not a DNS domain",
    NoProvisioner => "stave::provision::no-provisioner": "no provisioner serves a resource's type in this environment",
    BadParam => "stave::provision::bad-param": "a resource param is not what its provisioner accepts",
    MissingOutput => "stave::provision::missing-output": "a placeholder names an output the resource does not return",
    ProvisionerFailed => "stave::provision::failed": "a provisioner's template or command failed",
    SecretInText => "stave::provision::secret-in-text":
        "a secret output is mixed into text where it would be stored in plain text",
    RouteConflict => "stave::provision::route-conflict": "two routes claim the same host and path",
    HostConflict => "stave::provision::host-conflict": "two `dns` resources choose the same host",
    DanglingSecret => "stave::provision::dangling-secret":
        "a secret output names a Secret the provisioner does not create",
    DevelopmentSeed => "stave::provision::development-seed":
        "no seed is set, so generated values are development values",
    UnsupportedOutput => "stave::kubernetes::unsupported-output":
        "an output that the Kubernetes target cannot use (a reference for another target)",
    SecretValueUnavailable => "stave::kubernetes::secret-value-unavailable":
        "a file embeds a secret whose value exists only at deploy time",
    BadVolume => "stave::kubernetes::bad-volume": "a volume source is not a resource that provides a volume",
    ProbeDropped => "stave::kubernetes::probe-dropped":
        "a probe on a container that runs to completion, which Kubernetes does not allow",
    HealthyNeedsProbe => "stave::kubernetes::healthy-needs-probe":
        "`before` with `ready: healthy` needs a readiness probe",
    InvalidKind => "stave::kubernetes::invalid-kind":
        "the `k8s.score.dev/kind` annotation names a kind Stave cannot emit",
    NoNamespace => "stave::kubernetes::no-namespace": "`--generate-namespace` needs a namespace",
    DuplicateObject => "stave::kubernetes::duplicate-object":
        "two emitted objects have the same apiVersion, kind, namespace and name",
    InvalidObject => "stave::kubernetes::invalid-object":
        "an object a provisioner returns lacks its identity or lies in another namespace",
    InvalidName => "stave::kubernetes::invalid-name": "an object's name is not valid for its kind",
    RequestAboveLimit => "stave::kubernetes::request-above-limit":
        "a container requests more than its limit (lowered to the limit)",
    WeakerPodSecurity => "stave::kubernetes::weaker-pod-security":
        "a generated namespace enforces a Pod Security Standard below `restricted`",
    NoEgress => "stave::kubernetes::no-egress":
        "a variable names an address outside the cluster that the NetworkPolicy does not let the workload reach",
    ChartNamespace => "stave::helm::namespace": "a chart does not create its release's namespace",
    InvalidTerraformName => "stave::terraform::invalid-name":
        "a name Terraform cannot use as a block label (an address)",
    InvalidBlock => "stave::terraform::invalid-block":
        "a Terraform block a provisioner returns is malformed or uses a provider the target does not know",
    DuplicateBlock => "stave::terraform::duplicate-block": "two blocks of the module have the same address",
    UnknownReference => "stave::terraform::unknown-reference":
        "a Terraform reference output names a block the module does not declare",
    MissingOwner => "stave::catalog::missing-owner":
        "a workload names no owner (`stave.dev/owner`) for its Backstage catalog entry",
    InvalidOwner => "stave::catalog::invalid-owner":
        "a workload's `stave.dev/owner` is no reference that could name a Backstage user or group",
}

impl Code {
    /// The platform file's code for a schema error that a workload file reports as `self`
    /// (`stave::spec::unknown-field` is `stave::platform::unknown-field` there); other codes are
    /// their own.
    pub(crate) fn of_platform_file(self) -> Code {
        match self {
            Code::UnknownField => Code::PlatformUnknownField,
            Code::MissingField => Code::PlatformMissingField,
            Code::WrongType => Code::PlatformWrongType,
            Code::InvalidValue => Code::PlatformInvalidValue,
            other => other,
        }
    }
}
