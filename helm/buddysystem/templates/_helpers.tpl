{{- define "buddysystem.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "buddysystem.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "buddysystem.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "buddysystem.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: web, worker-<name>, beat, migrate. */}}
{{- define "buddysystem.selector" -}}
app.kubernetes.io/name: {{ include "buddysystem.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "buddysystem.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "buddysystem.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-env" (include "buddysystem.fullname" .)) -}}
{{- end -}}

{{- define "buddysystem.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "buddysystem.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* The environment of every container: the ConfigMap, then the Secret. */}}
{{- define "buddysystem.envFrom" -}}
- configMapRef:
    name: {{ include "buddysystem.fullname" . }}-config
- secretRef:
    name: {{ include "buddysystem.secretName" . }}
{{- end -}}

{{/* Changes of configuration roll the pods: the hash of the ConfigMap's and Secret's inputs. */}}
{{- define "buddysystem.configHash" -}}
{{- list .Values.config .Values.secrets .Values.existingSecret .Values.baseDomain | toJson | sha256sum | trunc 16 -}}
{{- end -}}

{{/* Pod-level settings shared by every workload. */}}
{{- define "buddysystem.podSpec" -}}
serviceAccountName: {{ include "buddysystem.serviceAccountName" . }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* /tmp on memory (the root filesystem is read-only): metrics samples, beat's schedule. */}}
{{- define "buddysystem.tmpVolume" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end -}}

{{- define "buddysystem.mediaVolume" -}}
- name: media
{{- if .Values.media.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ .Values.media.persistence.existingClaim | default (printf "%s-media" (include "buddysystem.fullname" .)) }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}
