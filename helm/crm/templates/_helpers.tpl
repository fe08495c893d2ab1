{{/* Names: <release>-crm, or just the release name when it already says crm. */}}
{{- define "crm.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "crm.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "crm.labels" -}}
{{ include "crm.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Labels of one component's pods; call with (dict "root" $ "component" "web"). */}}
{{- define "crm.componentSelectorLabels" -}}
{{ include "crm.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "crm.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "crm.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "crm.image" -}}
{{ printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end -}}

{{/* The settings every container of the app gets: ConfigMap, the chart's Secret, then existing Secrets (last wins). */}}
{{- define "crm.envFrom" -}}
- configMapRef:
    name: {{ include "crm.fullname" . }}
- secretRef:
    name: {{ include "crm.fullname" . }}
{{- range .Values.existingSecrets }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by web, worker, beat and the upgrade Job. */}}
{{- define "crm.podSecurityContext" -}}
runAsNonRoot: true
# The image's crm user; fsGroup lets it write to the data volume.
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "crm.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
{{- end -}}

{{/* Everything the app writes: /tmp (gunicorn's worker heartbeats, temporary files),
     and for web and worker the data volume and prometheus_client's per-process files. */}}
{{- define "crm.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .data }}
- name: data
  mountPath: /var/lib/crm
- name: metrics
  mountPath: /run/metrics
{{- end }}
{{- end -}}

{{- define "crm.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if .data }}
- name: data
{{- if .root.Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ .root.Values.persistence.existingClaim | default (include "crm.fullname" .root) }}
{{- else }}
  emptyDir: {}
{{- end }}
- name: metrics
  emptyDir: {}
{{- end }}
{{- end -}}

{{/* Where the app writes, as the settings read it; paths inside the mounts above. */}}
{{- define "crm.dataEnv" -}}
- name: MEDIA_ROOT
  value: /var/lib/crm/media
- name: BACKUP_DIR
  value: /var/lib/crm/backups
# Each gunicorn or Celery process writes its metrics here and they are added up per pod.
- name: PROMETHEUS_MULTIPROC_DIR
  value: /run/metrics
{{- end -}}

{{/* Pods of a component on different nodes; call with (dict "root" $ "component" "web"). */}}
{{- define "crm.affinity" -}}
podAntiAffinity:
{{- if eq .root.Values.podAntiAffinity "hard" }}
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "crm.componentSelectorLabels" . | nindent 10 }}
{{- else }}
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "crm.componentSelectorLabels" . | nindent 12 }}
{{- end }}
{{- end -}}

{{/* Scheduling constraints every pod takes. */}}
{{- define "crm.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Waits until `manage.py upgrade` has brought the public schema and every tenant
     schema to this image's migrations, so that no pod runs code ahead of its schema. */}}
{{- define "crm.schemaWait" -}}
- name: wait-for-schema
  image: {{ include "crm.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command:
    - sh
    - -c
    - until python manage.py upgrade --check; do sleep {{ .Values.schemaWait.intervalSeconds }}; done
  envFrom:
    {{- include "crm.envFrom" . | nindent 4 }}
  resources:
    {{- toYaml .Values.schemaWait.resources | nindent 4 }}
  securityContext:
    {{- include "crm.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
{{- end -}}

{{/* Rolls the pods when the settings change. */}}
{{- define "crm.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end -}}
